// A small writer for ONNX model files (the protobuf messages of onnx.proto3 that a plain
// feed-forward graph needs). Used for the tiny probe model that checks an execution provider
// really runs, by tests to build fixture networks with fixed weights, and by convert-tfjs.ts to
// write the @upscalerjs weights as ONNX.

/** A dimension: a fixed size, or a symbolic name (dynamic). */
export type Dim = number | string;

export interface ValueInfo {
  name: string;
  /** ONNX element type; 1 = float32. */
  elemType?: number;
  shape: Dim[];
}

export type AttributeValue = number | number[] | string | { floats: number[] } | { float: number };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attributes?: Record<string, AttributeValue>;
}

export interface Initializer {
  name: string;
  dims: number[];
  /** float32 data, or int64 data when int64 is set. */
  data: Float32Array | number[];
  int64?: boolean;
}

export interface GraphSpec {
  name?: string;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  nodes: NodeSpec[];
  initializers?: Initializer[];
  opset?: number;
  /** ModelProto metadata_props (e.g. where converted weights came from), written in key order. */
  metadata?: Record<string, string>;
}

const FLOAT = 1;
const INT64 = 7;

class Writer {
  private chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      out.push(byte);
    } while (v !== 0n);
    this.push(Uint8Array.from(out));
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  int(field: number, value: number): void {
    this.tag(field, 0);
    this.varint(value);
  }

  bytes(field: number, value: Uint8Array): void {
    this.tag(field, 2);
    this.varint(value.length);
    this.push(value);
  }

  string(field: number, value: string): void {
    this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: Writer) => void): void {
    const inner = new Writer();
    build(inner);
    this.bytes(field, inner.finish());
  }

  float(field: number, value: number): void {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
  }

  packedFloats(field: number, values: ArrayLike<number>): void {
    const b = new Uint8Array(values.length * 4);
    const view = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
    this.bytes(field, b);
  }

  packedInts(field: number, values: ArrayLike<number>): void {
    const inner = new Writer();
    for (let i = 0; i < values.length; i++) inner.varint(values[i]!);
    this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }
}

function valueInfo(w: Writer, v: ValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.elemType ?? FLOAT);
      tensor.message(2, (shape) => {
        for (const d of v.shape) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

function attribute(w: Writer, name: string, value: AttributeValue): void {
  w.string(1, name);
  if (typeof value === 'number') {
    w.int(3, value);
    w.int(20, 2); // INT
  } else if (typeof value === 'string') {
    w.string(4, value);
    w.int(20, 3); // STRING
  } else if (Array.isArray(value)) {
    w.packedInts(8, value);
    w.int(20, 7); // INTS
  } else if ('floats' in value) {
    w.packedFloats(7, value.floats);
    w.int(20, 6); // FLOATS
  } else {
    w.float(2, value.float);
    w.int(20, 1); // FLOAT
  }
}

function tensor(w: Writer, t: Initializer): void {
  w.packedInts(1, t.dims);
  w.int(2, t.int64 ? INT64 : FLOAT);
  w.string(8, t.name);
  if (t.int64) {
    w.packedInts(7, t.data as number[]);
  } else {
    const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
    w.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
}

/** Serialises a graph as an ONNX ModelProto (IR version 8, default opset 17). */
export function encodeModel(graph: GraphSpec): Uint8Array {
  const w = new Writer();
  w.int(1, 8); // ir_version
  w.string(2, 'refinery');
  w.message(7, (g) => {
    graph.nodes.forEach((node, i) =>
      g.message(1, (n) => {
        for (const input of node.inputs) n.string(1, input);
        for (const output of node.outputs) n.string(2, output);
        n.string(3, node.name ?? `${node.op}_${i}`);
        n.string(4, node.op);
        for (const [name, value] of Object.entries(node.attributes ?? {})) n.message(5, (a) => attribute(a, name, value));
      }),
    );
    g.string(2, graph.name ?? 'graph');
    for (const init of graph.initializers ?? []) g.message(5, (t) => tensor(t, init));
    for (const input of graph.inputs) g.message(11, (v) => valueInfo(v, input));
    for (const output of graph.outputs) g.message(12, (v) => valueInfo(v, output));
  });
  w.message(8, (o) => {
    o.string(1, '');
    o.int(2, graph.opset ?? 17);
  });
  for (const [key, value] of Object.entries(graph.metadata ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    w.message(14, (entry) => {
      entry.string(1, key);
      entry.string(2, value);
    });
  }
  return w.finish();
}

/** The smallest useful model: y = x + 1 over a float32 [1, 3, 2, 2] tensor. It checks that a provider loads and runs. */
export function probeModel(): Uint8Array {
  return encodeModel({
    name: 'probe',
    inputs: [{ name: 'x', shape: [1, 3, 2, 2] }],
    outputs: [{ name: 'y', shape: [1, 3, 2, 2] }],
    initializers: [{ name: 'one', dims: [1], data: Float32Array.of(1) }],
    nodes: [{ op: 'Add', inputs: ['x', 'one'], outputs: ['y'] }],
  });
}
