import { INSTANCE_FLOATS } from './track-buffer';
import { GROWTH_PX, RING_RADIUS, SELECTED_RING_GAP } from './symbol-sizes';

/** Ring strokes, CSS pixels: the HIGH ring and the selection ring outside it. */
const HIGH_WIDTH = 4;
const SELECTED_WIDTH = 3;
/** Half the side of a ring's quad, CSS pixels: the selection ring's outer edge and a pixel to fade out. */
const RING_HALF = RING_RADIUS + SELECTED_RING_GAP + SELECTED_WIDTH / 2 + 1;
/** Half the side of a pulse's quad: the ring at its widest. */
export const PULSE_HALF = RING_RADIUS + GROWTH_PX + HIGH_WIDTH / 2 + 1;

const VERTEX = `
attribute vec2 a_corner;
attribute vec2 a_at;
attribute vec2 a_cell;
attribute vec2 a_half;
attribute vec2 a_style;
uniform vec2 u_size;
uniform vec4 u_linear;
uniform vec2 u_shift;
uniform float u_cell;
uniform vec2 u_atlas;
varying vec2 v_uv;
varying vec2 v_local;
varying float v_alpha;
varying float v_kind;
void main() {
  float ring = a_style.y > 2.5 ? ${PULSE_HALF.toFixed(1)} : ${RING_HALF.toFixed(1)};
  // A symbol's quad covers its drawing (half width and height from its centre), not its whole cell.
  vec2 extent = a_style.y > 0.5 ? vec2(ring) : a_half.x > 0.0 ? a_half : vec2(u_cell * 0.5);
  vec2 local = a_corner * extent;
  vec2 px = vec2(u_linear.x * a_at.x + u_linear.z * a_at.y, u_linear.y * a_at.x + u_linear.w * a_at.y) + u_shift + local;
  gl_Position = vec4(px.x / u_size.x * 2.0 - 1.0, 1.0 - px.y / u_size.y * 2.0, 0.0, 1.0);
  v_uv = (a_cell + u_cell * 0.5 + local) / u_atlas;
  v_local = local;
  v_alpha = a_style.x;
  v_kind = a_style.y;
}`;

const FRAGMENT = `
precision mediump float;
uniform sampler2D u_sprite;
uniform vec4 u_high;
uniform vec4 u_selected;
uniform float u_ratio;
uniform float u_phase;
varying vec2 v_uv;
varying vec2 v_local;
varying float v_alpha;
varying float v_kind;
void main() {
  if (v_kind < 0.5) {
    gl_FragColor = texture2D(u_sprite, v_uv) * v_alpha;
    return;
  }
  bool pulse = v_kind > 2.5;
  bool high = v_kind < 1.5 || pulse;
  float radius = pulse ? ${RING_RADIUS.toFixed(1)} + ${GROWTH_PX.toFixed(1)} * u_phase
    : high ? ${RING_RADIUS.toFixed(1)} : ${(RING_RADIUS + SELECTED_RING_GAP).toFixed(1)};
  float width = high ? ${HIGH_WIDTH.toFixed(1)} : ${SELECTED_WIDTH.toFixed(1)};
  float outside = abs(length(v_local) - radius) - width * 0.5;
  float cover = clamp(0.5 - outside * u_ratio, 0.0, 1.0);
  vec4 color = high ? u_high : u_selected;
  if (pulse) color.a *= 1.0 - u_phase;
  gl_FragColor = vec4(color.rgb * color.a, color.a) * cover * v_alpha;
}`;

/** The view a frame is drawn in: map coordinates → CSS pixels, the size in CSS pixels, the pixel ratio. */
export interface PaintView {
  readonly toPixel: readonly number[];
  readonly width: number;
  readonly height: number;
  readonly ratio: number;
}

/** Slots of one instance pool written since the last order: all of them (the buffer re-allocated) or a range. */
export interface Upload {
  readonly pool: number;
  readonly all: boolean;
  /** The first slot written (0 with `all`). */
  readonly from: number;
  readonly data: Float32Array;
}

/**
 * One paint of the symbol layer, everything the GPU side needs, as data (it crosses to a worker,
 * sprite-worker.ts): the uploads since the last order, the instance counts, the view, and which
 * canvases to draw. The pulses' canvas is drawn by every order; the symbols' only with `symbols`.
 */
export interface PaintOrder {
  readonly view: PaintView;
  /** The map-unit point instance positions are relative to (track-buffer.ts). */
  readonly origin: readonly [number, number];
  readonly uploads: readonly Upload[];
  /** Live instances per pool. */
  readonly counts: readonly number[];
  /** A new sprite to upload as the texture, when it changed. */
  readonly sprite: TexImageSource | ImageData | undefined;
  /** The sprite's cell side and size, CSS pixels. */
  readonly atlas: { readonly cell: number; readonly width: number; readonly height: number };
  /** The HIGH and the selection rings' colours: r, g, b, a in 0..1. */
  readonly high: readonly number[];
  readonly selection: readonly number[];
  readonly symbols: boolean;
  /** New pulse instances, when they changed (undefined: the last ones). */
  readonly pulses: Float32Array | undefined;
  /** The pulse's phase in its period, 0..1. */
  readonly phase: number;
}

interface Gl {
  readonly canvas: HTMLCanvasElement | OffscreenCanvas;
  readonly gl: WebGLRenderingContext;
  readonly instanced: ANGLE_instanced_arrays;
  readonly program: WebGLProgram;
  readonly texture: WebGLTexture;
  readonly at: Record<'corner' | 'at' | 'cell' | 'half' | 'style', number>;
  readonly u: Record<
    'size' | 'linear' | 'shift' | 'cell' | 'atlas' | 'high' | 'selected' | 'ratio' | 'phase' | 'sprite',
    WebGLUniformLocation | null
  >;
}

/** A GPU buffer of instances and how many it holds. */
interface Instances {
  readonly buffer: WebGLBuffer;
  count: number;
}

/**
 * The symbol layer's GPU side: two canvases (the pulses under the symbols), each with its WebGL
 * context, and the instance buffers kept between orders (one per TrackBuffer pool on the symbols'
 * canvas, one of pulses). It runs where its canvases are: in a worker on OffscreenCanvases
 * (sprite-worker.ts) so that drawing and, without a GPU, reading the drawing back for the page's
 * compositor hold the worker's thread, not the page's; or on the page where a browser has no
 * OffscreenCanvas WebGL. Null without WebGL or instancing.
 */
export class SpritePainter {
  private readonly pools: Instances[];
  private readonly pulseInstances: Instances;

  private constructor(
    private readonly symbolsGl: Gl,
    private readonly pulsesGl: Gl,
    pools: number,
  ) {
    this.pools = Array.from({ length: pools }, () => instancesOn(symbolsGl));
    this.pulseInstances = instancesOn(pulsesGl);
  }

  static open(
    symbols: HTMLCanvasElement | OffscreenCanvas,
    pulses: HTMLCanvasElement | OffscreenCanvas,
    pools: number,
  ): SpritePainter | null {
    const s = setUp(symbols);
    const p = s === null ? null : setUp(pulses);
    return s === null || p === null ? null : new SpritePainter(s, p, pools);
  }

  paint(order: PaintOrder): void {
    const g = this.symbolsGl.gl;
    if (order.sprite !== undefined) {
      g.bindTexture(g.TEXTURE_2D, this.symbolsGl.texture);
      g.texImage2D(g.TEXTURE_2D, 0, g.RGBA, g.RGBA, g.UNSIGNED_BYTE, order.sprite as TexImageSource);
    }
    for (const u of order.uploads) {
      const instances = this.pools[u.pool];
      if (instances === undefined) continue;
      g.bindBuffer(g.ARRAY_BUFFER, instances.buffer);
      if (u.all) g.bufferData(g.ARRAY_BUFFER, u.data, g.DYNAMIC_DRAW);
      else g.bufferSubData(g.ARRAY_BUFFER, u.from * INSTANCE_FLOATS * 4, u.data);
    }
    order.counts.forEach((count, i) => {
      const instances = this.pools[i];
      if (instances !== undefined) instances.count = count;
    });
    if (order.pulses !== undefined) {
      const p = this.pulsesGl.gl;
      p.bindBuffer(p.ARRAY_BUFFER, this.pulseInstances.buffer);
      p.bufferData(p.ARRAY_BUFFER, order.pulses, p.DYNAMIC_DRAW);
      this.pulseInstances.count = order.pulses.length / INSTANCE_FLOATS;
    }
    if (order.symbols) draw(this.symbolsGl, order, this.pools, 0);
    draw(this.pulsesGl, order, [this.pulseInstances], order.phase);
  }

  /** Lets the contexts go (the canvases are dropped with the layer's element). */
  close(): void {
    for (const on of [this.symbolsGl, this.pulsesGl]) on.gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}

function draw(on: Gl, order: PaintOrder, lists: readonly Instances[], phase: number): void {
  const { view, atlas } = order;
  const { gl: g, instanced, u, at, canvas } = on;
  const w = Math.round(view.width * view.ratio);
  const h = Math.round(view.height * view.ratio);
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  g.viewport(0, 0, w, h);
  g.clearColor(0, 0, 0, 0);
  g.clear(g.COLOR_BUFFER_BIT);
  if (lists.every((l) => l.count === 0)) return;
  const [a, b, c, d, e, f] = view.toPixel as [number, number, number, number, number, number];
  const [ox, oy] = order.origin;
  g.useProgram(on.program);
  g.uniform2f(u.size, view.width, view.height);
  g.uniform4f(u.linear, a, b, c, d);
  // The origin's pixel, in 64-bit floats here: instances carry their offset from it.
  g.uniform2f(u.shift, a * ox + c * oy + e, b * ox + d * oy + f);
  g.uniform1f(u.cell, atlas.cell);
  g.uniform2f(u.atlas, atlas.width, atlas.height);
  g.uniform4fv(u.high, order.high as number[]);
  g.uniform4fv(u.selected, order.selection as number[]);
  g.uniform1f(u.ratio, view.ratio);
  g.uniform1f(u.phase, phase);
  g.uniform1i(u.sprite, 0);
  g.activeTexture(g.TEXTURE0);
  g.bindTexture(g.TEXTURE_2D, on.texture);
  const stride = INSTANCE_FLOATS * 4;
  for (const list of lists) {
    if (list.count === 0) continue;
    g.bindBuffer(g.ARRAY_BUFFER, list.buffer);
    g.vertexAttribPointer(at.at, 2, g.FLOAT, false, stride, 0);
    g.vertexAttribPointer(at.cell, 2, g.FLOAT, false, stride, 8);
    g.vertexAttribPointer(at.half, 2, g.FLOAT, false, stride, 16);
    g.vertexAttribPointer(at.style, 2, g.FLOAT, false, stride, 24);
    instanced.drawArraysInstancedANGLE(g.TRIANGLE_STRIP, 0, 4, list.count);
  }
}

/** A new, empty instance buffer on a surface. */
function instancesOn(on: Gl): Instances {
  return { buffer: on.gl.createBuffer()!, count: 0 };
}

function setUp(canvas: HTMLCanvasElement | OffscreenCanvas): Gl | null {
  const gl = canvas.getContext('webgl', {
    alpha: true,
    premultipliedAlpha: true,
    antialias: false,
    depth: false,
  }) as WebGLRenderingContext | null;
  if (gl === null) return null;
  const instanced = gl.getExtension('ANGLE_instanced_arrays');
  if (instanced === null) return null;
  const program = gl.createProgram();
  for (const [type, source] of [
    [gl.VERTEX_SHADER, VERTEX],
    [gl.FRAGMENT_SHADER, FRAGMENT],
  ] as const) {
    const shader = gl.createShader(type)!;
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!(gl.getShaderParameter(shader, gl.COMPILE_STATUS) as boolean)) {
      throw new Error(`track sprite shader: ${gl.getShaderInfoLog(shader) ?? 'does not compile'}`);
    }
    gl.attachShader(program, shader);
  }
  gl.linkProgram(program);
  if (!(gl.getProgramParameter(program, gl.LINK_STATUS) as boolean)) {
    throw new Error(`track sprite program: ${gl.getProgramInfoLog(program) ?? 'does not link'}`);
  }
  gl.useProgram(program);
  const at = {
    corner: gl.getAttribLocation(program, 'a_corner'),
    at: gl.getAttribLocation(program, 'a_at'),
    cell: gl.getAttribLocation(program, 'a_cell'),
    half: gl.getAttribLocation(program, 'a_half'),
    style: gl.getAttribLocation(program, 'a_style'),
  };
  // The quad's four corners, shared by every instance.
  const corners = gl.createBuffer();
  gl.bindBuffer(gl.ARRAY_BUFFER, corners);
  gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
  gl.enableVertexAttribArray(at.corner);
  gl.vertexAttribPointer(at.corner, 2, gl.FLOAT, false, 0, 0);
  for (const a of [at.at, at.cell, at.half, at.style]) {
    gl.enableVertexAttribArray(a);
    instanced.vertexAttribDivisorANGLE(a, 1);
  }
  const texture = gl.createTexture();
  gl.bindTexture(gl.TEXTURE_2D, texture);
  gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, true);
  // One clear texel until the sprite is uploaded (the pulses' surface never gets one).
  gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, 1, 1, 0, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
  // The sprite's size is no power of two: no mipmaps, clamped edges.
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
  gl.enable(gl.BLEND);
  gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
  const u = {
    size: gl.getUniformLocation(program, 'u_size'),
    linear: gl.getUniformLocation(program, 'u_linear'),
    shift: gl.getUniformLocation(program, 'u_shift'),
    cell: gl.getUniformLocation(program, 'u_cell'),
    atlas: gl.getUniformLocation(program, 'u_atlas'),
    high: gl.getUniformLocation(program, 'u_high'),
    selected: gl.getUniformLocation(program, 'u_selected'),
    ratio: gl.getUniformLocation(program, 'u_ratio'),
    phase: gl.getUniformLocation(program, 'u_phase'),
    sprite: gl.getUniformLocation(program, 'u_sprite'),
  };
  return { canvas, gl, instanced, program, texture: texture!, at, u };
}
