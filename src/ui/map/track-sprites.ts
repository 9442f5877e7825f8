import { asArray } from 'ol/color';
import type { FrameState } from 'ol/Map';
import Layer from 'ol/layer/Layer';
import type { MapPalette } from './map-palette';
import type { SpriteAtlas } from './sprite-atlas';
import { DISPLAY_FRAME_MS, FramePacer } from './frame-pacer';
import { INSTANCE_FLOATS, type TrackBuffer } from './track-buffer';
import { FRAME_MS, GROWTH_PX, MAX_PULSES, PERIOD_MS, STEPS } from './threat-pulse';
import { HIGH_RED, RING_RADIUS, SELECTED_RING_GAP } from './track-style';

/** Ring strokes, CSS pixels: the HIGH ring and the selection ring outside it. */
const HIGH_WIDTH = 4;
const SELECTED_WIDTH = 3;
/** Half the side of a ring's quad, CSS pixels: the selection ring's outer edge and a pixel to fade out. */
const RING_HALF = RING_RADIUS + SELECTED_RING_GAP + SELECTED_WIDTH / 2 + 1;
/** Half the side of a pulse's quad: the ring at its widest. */
const PULSE_HALF = RING_RADIUS + GROWTH_PX + HIGH_WIDTH / 2 + 1;

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

/** The symbol layer as OpenLayers sees it: a layer whose render hands back its two canvases. */
export interface SpriteLayer {
  readonly layer: Layer;
  /** Draws from another sprite, with the palette's selection colour. */
  setPalette(palette: MapPalette, atlas: SpriteAtlas): void;
  /**
   * Draws the tracks' latest state now, in the view of the map's last frame, without a frame of
   * the map (whose other layers did not change); false before the map's first frame.
   */
  draw(): boolean;
  /** How many times the symbols' canvas was drawn (for the benchmark: the pacer may space redraws). */
  readonly draws: number;
}

/** The view a frame was drawn in: map coordinates → CSS pixels, the size in CSS pixels, the pixel ratio. */
interface View {
  readonly toPixel: readonly number[];
  readonly width: number;
  readonly height: number;
  readonly ratio: number;
}

interface Gl {
  readonly canvas: HTMLCanvasElement;
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
 * Every track's symbol (and the HIGH, pulse and selection rings) in a few instanced WebGL draw
 * calls (the rings, then each draw-order class), on a canvas of its own that OpenLayers places
 * among its layers (an `ol/layer/Layer` with a `render` function). The instances stay in GPU
 * buffers from frame to frame, one per TrackBuffer pool: a frame uploads only the slots written
 * since the last one (bufferSubData), and the vertex shader projects each instance from map units
 * with the view's transform, so a pan or zoom uploads nothing and a frame costs O(changed tracks).
 * The sprite is one texture. Symbols stay upright and keep their size whatever the zoom or rotation,
 * as icons on the map do. Null when the browser gives no WebGL or no instancing (the caller then
 * draws on a 2D canvas instead). The HIGH threats' pulse (as threat-pulse.ts draws it on the 2D
 * fallback: at most MAX_PULSES fresh ones, none for reduced motion) is a ring whose radius and fade
 * the shader takes from the period's step, on a second canvas under the symbols': each step
 * redraws those few rings alone, without a frame of the map.
 */
export function spriteLayer(buffer: TrackBuffer, atlas: SpriteAtlas, palette: MapPalette): SpriteLayer | null {
  const element = document.createElement('div');
  element.style.cssText = 'position:absolute;inset:0;pointer-events:none;';
  const symbols = surface();
  // The pulses on a canvas of their own, under the symbols: a step of the pulse redraws a few rings, not every symbol.
  const pulses = surface();
  if (symbols === null || pulses === null) return null;
  element.append(pulses.canvas, symbols.canvas);
  const pools = buffer.pools.map((pool) => {
    pool.resend();
    return { pool, instances: instancesOn(symbols) };
  });
  const pulseInstances = instancesOn(pulses);
  let sprite = atlas;
  let selection = colour(palette.selection);
  let uploaded: SpriteAtlas | undefined;
  let drawn = -1;
  let drawnView = '';
  let last: View | undefined;
  let step = -1;
  let next: ReturnType<typeof setTimeout> | undefined;
  // Redraws asked by changes (not by a frame of the map: a pan must move the symbols with it) are spaced
  // so that waiting on a slow GPU holds the main thread at most its share (frame-pacer.ts).
  const pacer = new FramePacer();
  let measuring = false;
  let draws = 0;
  let deferred: ReturnType<typeof setTimeout> | undefined;
  /** Measures the frames a redraw spans: until the second animation frame after it, past its commit. */
  const measure = (start: number): void => {
    if (measuring) return;
    measuring = true;
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        measuring = false;
        pacer.drawn(start, performance.now(), 2);
      }),
    );
  };
  /** Paints now when the pacer allows, else once at the time it gives (later changes join that paint). */
  const paced = (view: View): void => {
    const wait = pacer.nextAt - performance.now();
    if (wait <= 0 && !measuring) {
      paint(view);
      return;
    }
    deferred ??= setTimeout(
      () => {
        deferred = undefined;
        if (last !== undefined && element.isConnected) paced(last);
      },
      Math.max(wait, DISPLAY_FRAME_MS),
    );
  };
  const reduced = globalThis.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;

  const paint = (view: View): void => {
    const { toPixel, width, height } = view;
    const key = keyOf(view);
    const phase = reduced ? 0 : Math.floor(((Date.now() % PERIOD_MS) / PERIOD_MS) * STEPS);
    const changed = buffer.revision !== drawn || key !== drawnView || uploaded !== sprite;
    if (changed) {
      const g = symbols.gl;
      if (uploaded !== sprite) {
        g.bindTexture(g.TEXTURE_2D, symbols.texture);
        g.texImage2D(g.TEXTURE_2D, 0, g.RGBA, g.RGBA, g.UNSIGNED_BYTE, sprite.canvas);
        uploaded = sprite;
      }
      if (buffer.revision !== drawn) {
        for (const { pool, instances } of pools) {
          g.bindBuffer(g.ARRAY_BUFFER, instances.buffer);
          pool.flush({
            all: (data) => g.bufferData(g.ARRAY_BUFFER, data, g.DYNAMIC_DRAW),
            range: (from, data) => g.bufferSubData(g.ARRAY_BUFFER, from * INSTANCE_FLOATS * 4, data),
          });
          instances.count = pool.size;
        }
      }
      drawn = buffer.revision;
      drawnView = key;
      const pulseData = buffer.pulseData(toPixel, width, height, PULSE_HALF, reduced ? 0 : MAX_PULSES);
      pulses.gl.bindBuffer(pulses.gl.ARRAY_BUFFER, pulseInstances.buffer);
      pulses.gl.bufferData(pulses.gl.ARRAY_BUFFER, pulseData, pulses.gl.DYNAMIC_DRAW);
      pulseInstances.count = pulseData.length / INSTANCE_FLOATS;
      draw(
        symbols,
        view,
        pools.map((p) => p.instances),
        0,
      );
      draws++;
    }
    // Nothing moved, the view is the same and the pulse is at the same step: both canvases show this frame.
    if (!changed && phase === step) return;
    step = phase;
    draw(pulses, view, [pulseInstances], phase / STEPS);
    measure(performance.now());
    // The next step, while the layer is on the page (a detached map pulses again at its next frame).
    if (pulseInstances.count > 0 && next === undefined) {
      next = setTimeout(() => {
        next = undefined;
        if (last !== undefined && element.isConnected) paced(last);
      }, FRAME_MS);
    }
  };

  const draw = (on: Gl, view: View, lists: readonly Instances[], phase: number): void => {
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
    const [ox, oy] = buffer.origin;
    g.useProgram(on.program);
    g.uniform2f(u.size, view.width, view.height);
    g.uniform4f(u.linear, a, b, c, d);
    // The origin's pixel, in 64-bit floats here: instances carry their offset from it.
    g.uniform2f(u.shift, a * ox + c * oy + e, b * ox + d * oy + f);
    g.uniform1f(u.cell, sprite.cell);
    g.uniform2f(u.atlas, sprite.width, sprite.height);
    g.uniform4fv(u.high, HIGH);
    g.uniform4fv(u.selected, selection);
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
  };

  const render = (frameState: FrameState): HTMLElement => {
    const [width, height] = frameState.size as [number, number];
    last = { toPixel: [...frameState.coordinateToPixelTransform], width, height, ratio: frameState.pixelRatio };
    // A pan or zoom moves the symbols with the map at once; a frame of the map for another layer's
    // change (a fused link, a pending mark) leaves the symbols to the pacer like any track change.
    if (keyOf(last) !== drawnView) paint(last);
    else paced(last);
    return element;
  };

  const layer = new Layer({ render });
  return {
    layer,
    get draws() {
      return draws;
    },
    draw() {
      if (last === undefined) return false;
      paced(last);
      return true;
    },
    setPalette(p, a) {
      sprite = a;
      selection = colour(p.selection);
      drawnView = '';
      layer.changed();
    },
  };
}

/** What a frame's view is drawn in, as one string: a different one means the symbols must move. */
function keyOf(view: View): string {
  return `${view.toPixel.join(',')}|${view.width.toString()}x${view.height.toString()}@${view.ratio.toString()}`;
}

/** A canvas with its WebGL context set up for the instances, or null without WebGL or instancing. */
function surface(): Gl | null {
  const canvas = document.createElement('canvas');
  canvas.style.cssText = 'position:absolute;left:0;top:0;width:100%;height:100%;';
  return setUp(canvas);
}

/** A new, empty instance buffer on a surface. */
function instancesOn(on: Gl): Instances {
  return { buffer: on.gl.createBuffer()!, count: 0 };
}

const HIGH = colour(HIGH_RED);

function colour(css: string): Float32Array {
  const [r, g, b, a] = asArray(css);
  return new Float32Array([r! / 255, g! / 255, b! / 255, a ?? 1]);
}

function setUp(canvas: HTMLCanvasElement): Gl | null {
  const gl = canvas.getContext('webgl', { alpha: true, premultipliedAlpha: true, antialias: false, depth: false });
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
