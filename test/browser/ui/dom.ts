/** Queries through open shadow roots, so tests address elements by data-testid at any depth. */
export function queryAllDeep<E extends Element = HTMLElement>(root: ParentNode, selector: string): E[] {
  const out: E[] = [];
  const visit = (node: ParentNode): void => {
    out.push(...node.querySelectorAll<E>(selector));
    for (const el of node.querySelectorAll('*')) if (el.shadowRoot) visit(el.shadowRoot);
  };
  if (root instanceof Element && root.shadowRoot) visit(root.shadowRoot);
  visit(root);
  return out;
}

export function queryDeep<E extends Element = HTMLElement>(root: ParentNode, selector: string): E {
  const found = queryAllDeep<E>(root, selector)[0];
  if (found === undefined) throw new Error(`no element matches ${selector}`);
  return found;
}

export const byTestId = (id: string): string => `[data-testid="${id}"]`;

/** Types into an input, select or textarea the way a user does: value, then input and change events. */
export function fill(el: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement, value: string): void {
  el.value = value;
  el.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  el.dispatchEvent(new Event('change', { bubbles: true, composed: true }));
}
