// Hand-built graphs run in ONNX Runtime and give answers we can work out by hand.
import { describe, expect, it } from "vitest";
import { GraphBuilder, f32, i64, loadModel, runModel, summarizeModel } from "../src/index.ts";
import type { TensorData } from "../src/index.ts";

const floats = (t: TensorData | undefined) => Array.from(t!.data as Float32Array);

describe("runModel", () => {
  it("runs Add with a symbolic batch dimension", async () => {
    const g = new GraphBuilder("add")
      .input("A", "float32", ["N"])
      .input("B", "float32", ["N"])
      .node("Add", ["A", "B"], ["C"])
      .output("C", "float32", ["N"]);
    const { C } = await runModel(g.toModel(), { A: f32([1, 2, 3]), B: f32([10, 20, 30]) });
    expect(C.dims).toEqual([3]);
    expect(floats(C)).toEqual([11, 22, 33]);
  });

  it("runs MatMul: [[1,2],[3,4]]·[[5,6],[7,8]] = [[19,22],[43,50]]", async () => {
    // 1·5+2·7 = 19, 1·6+2·8 = 22, 3·5+4·7 = 43, 3·6+4·8 = 50
    const g = new GraphBuilder("matmul")
      .input("A", "float32", [2, 2])
      .input("B", "float32", [2, 2])
      .node("MatMul", ["A", "B"], ["C"])
      .output("C", "float32", [2, 2]);
    const { C } = await runModel(g.toModel(), { A: f32([1, 2, 3, 4], [2, 2]), B: f32([5, 6, 7, 8], [2, 2]) });
    expect(C.dims).toEqual([2, 2]);
    expect(floats(C)).toEqual([19, 22, 43, 50]);
  });

  it("uses an initializer as a constant input", async () => {
    const g = new GraphBuilder("affine")
      .input("X", "float32", ["N", 2])
      .initializer("W", f32([1, 0, 0, 2], [2, 2])) // scales column 1 by 2
      .initializer("b", f32([0.5, -1]))
      .node("MatMul", ["X", "W"], ["XW"])
      .node("Add", ["XW", "b"], ["Y"])
      .output("Y", "float32", ["N", 2]);
    const { Y } = await runModel(g.toModel(), { X: f32([3, 4], [1, 2]) });
    expect(floats(Y)).toEqual([3.5, 7]);
  });

  it("passes int64 tensors (Gather with int64 indices)", async () => {
    const g = new GraphBuilder("gather")
      .input("X", "float32", [4])
      .initializer("idx", i64([3, 0]))
      .node("Gather", ["X", "idx"], ["Y"], { axis: 0 })
      .output("Y", "float32", [2]);
    const { Y } = await runModel(g.toModel(), { X: f32([10, 11, 12, 13]) });
    expect(floats(Y)).toEqual([13, 10]);
  });
});

describe("attributes reach ORT", () => {
  // X = [[0, 0], [ln 3, 0]]; e^0 = 1 and e^(ln 3) = 3.
  const X = f32([0, 0, Math.log(3), 0], [2, 2]);
  const softmax = (axis: number) =>
    new GraphBuilder("softmax")
      .input("X", "float32", [2, 2])
      .node("Softmax", ["X"], ["Y"], { axis })
      .output("Y", "float32", [2, 2])
      .toModel({ opset: 13 });

  it("int: Softmax axis -1 normalises rows, axis 0 normalises columns", async () => {
    const rows = floats((await runModel(softmax(-1), { X })).Y);
    const cols = floats((await runModel(softmax(0), { X })).Y);
    // rows: [1/2, 1/2], [3/4, 1/4];  columns: [1/4, 1/2], [3/4, 1/2]
    [0.5, 0.5, 0.75, 0.25].forEach((v, i) => expect(rows[i]).toBeCloseTo(v, 6));
    [0.25, 0.5, 0.75, 0.5].forEach((v, i) => expect(cols[i]).toBeCloseTo(v, 6));
  });

  it("ints: Transpose perm [1, 0]", async () => {
    const g = new GraphBuilder("transpose")
      .input("X", "float32", [2, 3])
      .node("Transpose", ["X"], ["Y"], { perm: [1, 0] })
      .output("Y", "float32", [3, 2]);
    const { Y } = await runModel(g.toModel(), { X: f32([1, 2, 3, 4, 5, 6], [2, 3]) });
    expect(Y.dims).toEqual([3, 2]);
    expect(floats(Y)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it("float: LeakyRelu alpha 0.25 maps -4 to -1", async () => {
    const g = new GraphBuilder("leaky")
      .input("X", "float32", [2])
      .node("LeakyRelu", ["X"], ["Y"], { alpha: 0.25 })
      .output("Y", "float32", [2]);
    expect(floats((await runModel(g.toModel(), { X: f32([-4, 2]) })).Y)).toEqual([-1, 2]);
  });

  it("float with an integer value needs { float: 2 }: Elu alpha 2 at -ln 2 gives 2·(1/2 - 1) = -1", async () => {
    const elu = (alpha: number | { float: number }) =>
      new GraphBuilder("elu")
        .input("X", "float32", [1])
        .node("Elu", ["X"], ["Y"], { alpha })
        .output("Y", "float32", [1])
        .toModel();
    const { Y } = await runModel(elu({ float: 2 }), { X: f32([-Math.LN2]) });
    expect(floats(Y)[0]).toBeCloseTo(-1, 6);
    // A bare 2 is written as an INT attribute, and ORT says so, naming the node.
    await expect(runModel(elu(2), { X: f32([-Math.LN2]) })).rejects.toThrow(
      /could not load the model "elu" \(Elu_0: Elu\)[\s\S]*ORT says:.*Mismatched attribute type/,
    );
  });

  it("tensor: a Constant node's value", async () => {
    const g = new GraphBuilder("constant")
      .node("Constant", [], ["Y"], { value: f32([7, 8]) })
      .output("Y", "float32", [2]);
    expect(floats((await runModel(g.toModel(), {})).Y)).toEqual([7, 8]);
  });
});

describe("com.microsoft contrib ops", () => {
  it("loads com.microsoft Gelu: Gelu(1) = Φ(1) = 0.8413447461, Gelu(-1) = -(1 - Φ(1))", async () => {
    const g = new GraphBuilder("ms-gelu")
      .input("X", "float32", [3])
      .node("Gelu", ["X"], ["Y"], {}, { domain: "com.microsoft" })
      .output("Y", "float32", [3]);
    const bytes = g.toModel({ extraOpsets: { "com.microsoft": 1 } });
    const { Y } = await runModel(bytes, { X: f32([0, 1, -1]) });
    // Gelu(x) = x·Φ(x). Φ(1) = 0.841344746068543 (standard normal table), Φ(-1) = 1 - Φ(1).
    // Tolerance 1e-6: float32 rounding of a value near 1 is ~6e-8, ORT's erf adds a little.
    const y = floats(Y);
    expect(y[0]).toBe(0);
    expect(Math.abs(y[1] - 0.841344746068543)).toBeLessThan(1e-6);
    expect(Math.abs(y[2] - -(1 - 0.841344746068543))).toBeLessThan(1e-6);
  });

  it("loads com.microsoft FastGelu, the tanh approximation", async () => {
    const g = new GraphBuilder("ms-fastgelu")
      .input("X", "float32", [2])
      .node("FastGelu", ["X"], ["Y"], {}, { domain: "com.microsoft" })
      .output("Y", "float32", [2]);
    const { Y } = await runModel(g.toModel({ extraOpsets: { "com.microsoft": 1 } }), { X: f32([1, -2]) });
    // FastGelu(x) = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), from the contrib op docs.
    const fast = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    const y = floats(Y);
    expect(Math.abs(y[0] - fast(1))).toBeLessThan(1e-6);
    expect(Math.abs(y[1] - fast(-2))).toBeLessThan(1e-6);
  });
});

describe("errors and sessions", () => {
  it("names the op and quotes ORT for an unknown op", async () => {
    const g = new GraphBuilder("bad")
      .input("X", "float32", [1])
      .node("NoSuchOp", ["X"], ["Y"])
      .output("Y", "float32", [1]);
    await expect(runModel(g.toModel(), { X: f32([1]) })).rejects.toThrow(
      /could not load the model "bad" \(NoSuchOp_0: NoSuchOp\)\.\nORT says: .*No Op registered for NoSuchOp/,
    );
  });

  it("names the model and quotes ORT when a run fails", async () => {
    const g = new GraphBuilder("mm")
      .input("A", "float32", ["M", "K"])
      .input("B", "float32", ["K2", "N"])
      .node("MatMul", ["A", "B"], ["C"])
      .output("C", "float32", ["M", "N"]);
    await expect(
      runModel(g.toModel(), { A: f32([1, 2, 3], [1, 3]), B: f32([1, 2], [2, 1]) }),
    ).rejects.toThrow(/failed while running the model "mm" \(MatMul_0: MatMul\)[\s\S]*MatMul/);
  });

  it("checks feeds before ORT sees them", async () => {
    const g = new GraphBuilder("id")
      .input("X", "float32", [2])
      .node("Identity", ["X"], ["Y"])
      .output("Y", "float32", [2]);
    await expect(
      runModel(g.toModel(), { X: { type: "float32", data: new Float32Array(3), dims: [2] } }),
    ).rejects.toThrow('input "X": dims [2] hold 2 elements, but the data has 3');
    await expect(
      runModel(g.toModel(), { X: { type: "float32", data: new Int32Array(2), dims: [2] } }),
    ).rejects.toThrow('input "X": type "float32" needs a Float32Array, got a Int32Array');
  });

  it("keeps a session for repeated runs (loadModel)", async () => {
    const g = new GraphBuilder("neg")
      .input("X", "float32", ["N"])
      .node("Neg", ["X"], ["Y"])
      .output("Y", "float32", ["N"]);
    const m = await loadModel(g.toModel());
    expect(m.session.inputNames).toEqual(["X"]);
    for (const n of [1, 2, 3]) expect(floats((await m.run({ X: f32([n]) })).Y)).toEqual([-n]);
    await m.release();
  });

  it("summarizeModel reads back the graph name and nodes", () => {
    const g = new GraphBuilder("two")
      .input("X", "float32", [1])
      .node("Relu", ["X"], ["H"])
      .node("Gelu", ["H"], ["Y"], {}, { domain: "com.microsoft", name: "act" })
      .output("Y", "float32", [1]);
    expect(summarizeModel(g.toModel())).toEqual({
      graphName: "two",
      nodes: [
        { name: "Relu_0", opType: "Relu", domain: "" },
        { name: "act", opType: "Gelu", domain: "com.microsoft" },
      ],
    });
  });
});
