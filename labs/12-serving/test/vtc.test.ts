import { describe, expect, it } from "vitest";
import { VirtualTokenCounter } from "../src/vtc.ts";

describe("exercise: vtc-pick", () => {
  it("picks the waiting request of the tenant with the smallest counter", () => {
    const vtc = new VirtualTokenCounter();
    vtc.admitted("A", 10); // c_A = 1·10 = 10
    vtc.admitted("B", 2);
    vtc.generated("B", 1); // c_B = 1·2 + 2·1 = 4
    expect(vtc.counter("B")).toBe(4);
    const waiting = [
      { tenant: "A", arrival: 0 },
      { tenant: "B", arrival: 1 },
    ];
    expect(vtc.pick(waiting)).toBe(1); // B: 4 < 10, although A came first
  });

  it("breaks ties by arrival, and within a tenant takes its earliest request", () => {
    const vtc = new VirtualTokenCounter();
    const waiting = [
      { tenant: "B", arrival: 5 },
      { tenant: "A", arrival: 2 },
      { tenant: "A", arrival: 3 },
    ];
    expect(vtc.pick(waiting)).toBe(1); // all counters 0: the earliest arrival, A's request 2
    expect(vtc.pick([])).toBe(-1);
  });

  it("serves two backlogged tenants alternately, whatever their arrival order", () => {
    // A queued 4 requests before B's 2, each 10 prompt tokens. FCFS would serve A, A, A, A, B, B.
    // VTC: A(0) → c_A 10; B(0) → c_B 10; tie → A (earlier) → 20; B → 20; A → 30; then A again.
    const vtc = new VirtualTokenCounter();
    const waiting = [0, 1, 2, 3].map((i) => ({ tenant: "A", arrival: i }));
    waiting.push({ tenant: "B", arrival: 4 }, { tenant: "B", arrival: 5 });
    const order: string[] = [];
    while (waiting.length > 0) {
      const [w] = waiting.splice(vtc.pick(waiting), 1);
      vtc.admitted(w.tenant, 10);
      order.push(w.tenant);
    }
    expect(order.join("")).toBe("ABABAA");
  });
});

describe("the VTC lift", () => {
  it("a tenant returning from idle starts at the backlogged tenants' minimum, banking no credit", () => {
    // A has been served 100 tokens and is still queued; B was idle (counter 0) and sends one:
    // c_B = max(0, min over waiting tenants = c_A = 100) = 100
    const vtc = new VirtualTokenCounter();
    vtc.admitted("A", 100);
    vtc.arrive("B", [{ tenant: "A", arrival: 0 }]);
    expect(vtc.counter("B")).toBe(100);
    // a tenant already backlogged is not lifted
    vtc.admitted("C", 1);
    vtc.arrive("C", [
      { tenant: "C", arrival: 1 },
      { tenant: "A", arrival: 0 },
    ]);
    expect(vtc.counter("C")).toBe(1);
    // nobody waiting: the counter of the last tenant served (C, 1 token) — B keeps its 100
    vtc.arrive("B", []);
    expect(vtc.counter("B")).toBe(100);
  });
});
