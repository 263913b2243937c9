// What every rank of a world holds: its rank, the world size, a barrier, and one
// "mailbox" per rank in memory every rank sees. Sending is writing into your own mailbox;
// receiving is reading a neighbour's after a barrier. That is all a collective needs,
// and it is what NCCL does too, with NVLink or InfiniBand in place of the shared buffer.
//
// Shared memory (SharedArrayBuffer, seen by every worker, never copied):
//   control    Int32Array [2]              arrival count, barrier generation
//   mailboxes  Float32Array [size, capacity]  rank r's outgoing data at r·capacity

export interface WorldMemory {
  control: SharedArrayBuffer;
  mailboxes: SharedArrayBuffer;
  capacity: number; // floats per mailbox
  size: number;
  barrierTimeoutMs: number;
}

export function worldMemory(size: number, floats: number, barrierTimeoutMs: number): WorldMemory {
  const capacity = 2 * Math.ceil(Math.max(floats, 2) / 2); // even, so a float64 view of a mailbox is aligned
  return {
    control: new SharedArrayBuffer(2 * 4),
    mailboxes: new SharedArrayBuffer(size * capacity * 4),
    capacity,
    size,
    barrierTimeoutMs,
  };
}

// A rank's view of the world. Two implementations: SharedComm, one rank per worker
// thread over a SharedArrayBuffer (what runWorld starts), and LocalComm, every rank an
// async function in this one thread (runLocalWorld): the same collectives and tasks run
// on both, so a test can run them in-process too.
export interface Comm {
  readonly rank: number;
  readonly size: number;
  bytesSent: number; // everything this rank wrote for others to read
  barrier(): Promise<void>;
  mailbox(r: number): Float32Array; // rank r's mailbox, [capacity] floats
  mailbox64(r: number): Float64Array; // the same bytes as float64s, [capacity / 2], for data that needs the precision
  send(data: ArrayLike<number>, offset?: number): void; // into my mailbox, for others to read after a barrier
  send64(data: ArrayLike<number>, offset?: number): void;
}

abstract class Mailboxes {
  bytesSent = 0;
  constructor(
    readonly rank: number,
    readonly size: number,
    private readonly boxes: Float32Array, // [size, capacity]
    private readonly capacity: number,
  ) {}

  mailbox(r: number): Float32Array {
    return this.boxes.subarray(r * this.capacity, (r + 1) * this.capacity);
  }

  mailbox64(r: number): Float64Array {
    return new Float64Array(this.boxes.buffer, r * this.capacity * 4, this.capacity / 2);
  }

  // The same as send, into the float64 view (offset in float64s).
  send64(data: ArrayLike<number>, offset = 0): void {
    if (offset + data.length > this.capacity / 2)
      throw new Error(
        `rank ${this.rank}: ${data.length} float64s at offset ${offset} do not fit a mailbox of ${this.capacity / 2}`,
      );
    this.mailbox64(this.rank).set(data, offset);
    this.bytesSent += data.length * 8;
  }

  send(data: ArrayLike<number>, offset = 0): void {
    if (offset + data.length > this.capacity)
      throw new Error(
        `rank ${this.rank}: ${data.length} floats at offset ${offset} do not fit a mailbox of ${this.capacity}`,
      );
    this.mailbox(this.rank).set(data, offset);
    this.bytesSent += data.length * 4;
  }
}

const COUNT = 0;
const GENERATION = 1;

export class SharedComm extends Mailboxes implements Comm {
  private readonly control: Int32Array;
  private readonly timeoutMs: number;

  constructor(memory: WorldMemory, rank: number) {
    super(rank, memory.size, new Float32Array(memory.mailboxes), memory.capacity);
    this.control = new Int32Array(memory.control);
    this.timeoutMs = memory.barrierTimeoutMs;
  }

  // Nobody passes until everybody has arrived. The last to arrive resets the count and
  // bumps the generation; the others sleep (Atomics.wait) until the generation moves.
  // A rank that never arrives (it threw, or hangs) makes the others time out with a
  // message instead of waiting forever. (It blocks the thread: each rank has its own.)
  async barrier(): Promise<void> {
    const gen = Atomics.load(this.control, GENERATION);
    if (Atomics.add(this.control, COUNT, 1) === this.size - 1) {
      Atomics.store(this.control, COUNT, 0);
      Atomics.add(this.control, GENERATION, 1);
      Atomics.notify(this.control, GENERATION);
      return;
    }
    const deadline = Date.now() + this.timeoutMs;
    while (Atomics.load(this.control, GENERATION) === gen) {
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(this.control, GENERATION, gen, left) === "timed-out")
        if (Atomics.load(this.control, GENERATION) === gen)
          throw new Error(
            `rank ${this.rank}: barrier timed out after ${this.timeoutMs} ms (another rank failed or hangs)`,
          );
    }
  }
}

// Every rank in this thread: the barrier is a promise that resolves when the last
// rank arrives, so the ranks take turns between barriers instead of running at once.
export class LocalComm extends Mailboxes implements Comm {
  constructor(
    rank: number,
    size: number,
    boxes: Float32Array,
    capacity: number,
    private readonly waiting: (() => void)[],
  ) {
    super(rank, size, boxes, capacity);
  }

  barrier(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (this.waiting.length === this.size) for (const wake of this.waiting.splice(0)) wake();
    });
  }
}

export function localWorld(size: number, floats: number): LocalComm[] {
  const capacity = 2 * Math.ceil(Math.max(floats, 2) / 2);
  const boxes = new Float32Array(size * capacity);
  const waiting: (() => void)[] = [];
  return Array.from({ length: size }, (_, r) => new LocalComm(r, size, boxes, capacity, waiting));
}
