/**
 * `window.deepQuery` / `window.deepQueryAll` in every app tab (installed by app-pages-plugin.ts
 * before the app's own scripts run): querySelector through every open shadow root below `root`,
 * for the `inTab` closures, which are sent to the tab as source text and so cannot close over a
 * helper of the test module. The source is a plain script string so that no transpiler helper
 * finds its way into the page.
 */
export const DEEP_QUERY_SCRIPT = `(() => {
  const all = (root, selector, out) => {
    for (const el of root.querySelectorAll(selector)) out.push(el);
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) all(el.shadowRoot, selector, out);
    return out;
  };
  const first = (root, selector) => {
    const hit = root.querySelector(selector);
    if (hit !== null) return hit;
    for (const el of root.querySelectorAll('*')) {
      const found = el.shadowRoot ? first(el.shadowRoot, selector) : null;
      if (found !== null) return found;
    }
    return null;
  };
  window.deepQuery = first;
  window.deepQueryAll = (root, selector) => all(root, selector, []);
})();`;

declare global {
  interface Window {
    /** The first element matching `selector` below `root`, through open shadow roots (depth first). */
    deepQuery<E extends Element = HTMLElement>(root: ParentNode, selector: string): E | null;
    /** Every element matching `selector` below `root`, through open shadow roots. */
    deepQueryAll<E extends Element = HTMLElement>(root: ParentNode, selector: string): E[];
  }
}
