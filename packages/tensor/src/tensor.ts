// A tensor is a flat Float32Array plus a shape, stored row-major (C order):
// the LAST axis is contiguous in memory. For shape [2, 3], element [i, j] lives
// at data[i * 3 + j]. That is the whole abstraction; no strides, no views.

export interface Tensor {
  data: Float32Array;
  shape: number[];
}

// Number of elements: the product of the dimensions (1 for a scalar, shape []).
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

// "[2, 3]", the way every error message prints a shape.
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

// A tensor's shape as text, for messages: shapeOf(zeros([2, 3])) === "[2, 3]".
export function shapeOf(t: Tensor): string {
  return formatShape(t.shape);
}

// A Float32Array is used as is (shared, not copied); a number[] is converted.
export function tensor(data: Float32Array | readonly number[], shape: readonly number[]): Tensor {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new Error(`tensor: shape ${formatShape(shape)} must hold non-negative integers`);
    }
  }
  const values = data instanceof Float32Array ? data : Float32Array.from(data);
  if (values.length !== numel(shape)) {
    throw new Error(
      `tensor: shape ${formatShape(shape)} needs ${numel(shape)} elements, but the data has ${values.length}`,
    );
  }
  return { data: values, shape: [...shape] };
}

export function zeros(shape: readonly number[]): Tensor {
  return tensor(new Float32Array(numel(shape)), shape);
}

// Checks t's shape against `expected`, where -1 means "any size".
//   assertShape(x, [-1, 64], "attention q")  passes for [7, 64], throws for [7, 32]
export function assertShape(t: Tensor, expected: readonly number[], where: string): void {
  const ok = t.shape.length === expected.length && expected.every((d, i) => d === -1 || d === t.shape[i]);
  if (!ok) {
    const want = expected.map((d) => (d === -1 ? "*" : String(d))).join(", ");
    throw new Error(`${where}: expected shape [${want}], got ${shapeOf(t)}`);
  }
}

// Most ops work "over the last axis": they see the tensor as `rows` rows of
// length `cols`, whatever the leading dimensions are.
export function rowsAndCols(t: Tensor, where: string): { rows: number; cols: number } {
  if (t.shape.length === 0) throw new Error(`${where}: needs at least one axis, got a scalar`);
  const cols = t.shape[t.shape.length - 1];
  return { rows: cols === 0 ? 0 : t.data.length / cols, cols };
}
