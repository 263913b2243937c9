// The LSH index: every band key seen so far, with the document it came from, in
// flat typed arrays.
//
// A JavaScript Map costs ~50 bytes an entry; 200 MB of text gives about 140,000
// documents × 10 bands = 1.4 M keys, and the index must stay small in a
// bounded-memory pipeline. Open addressing over a Uint32Array (Knuth, TAOCP vol. 3,
// §6.4, linear probing) stores each entry in 12 bytes: the band key, a second,
// independent 32-bit hash of the same band (with 32 bits alone, 1.4 M keys would
// meet a stranger's key with probability 1.4e6 / 2^32 ≈ 3e-4 per look-up), and the
// number of the document that put it there. The first document of a bucket keeps it.

export class BandIndex {
  private table: Uint32Array; // [capacity, 3]: key, check, doc + 1; doc + 1 = 0 is empty
  private count = 0;
  constructor(capacity = 1 << 16) {
    this.table = new Uint32Array(capacity * 3);
  }
  get size(): number {
    return this.count;
  }
  get bytes(): number {
    return this.table.byteLength;
  }
  // The document that first put (key, check) here, or −1.
  get(key: number, check: number): number {
    const t = this.table;
    const cap = t.length / 3;
    for (let i = key & (cap - 1); ; i = (i + 1) & (cap - 1)) {
      if (t[3 * i + 2] === 0) return -1;
      if (t[3 * i] === key && t[3 * i + 1] === check) return t[3 * i + 2] - 1;
    }
  }
  // Files (key, check) under `doc`, unless the bucket has a document already.
  add(key: number, check: number, doc: number): void {
    if (2 * (this.count + 1) > this.table.length / 3) this.grow(); // load factor ≤ 1/2
    const t = this.table;
    const cap = t.length / 3;
    for (let i = key & (cap - 1); ; i = (i + 1) & (cap - 1)) {
      if (t[3 * i + 2] === 0) {
        t[3 * i] = key;
        t[3 * i + 1] = check;
        t[3 * i + 2] = doc + 1;
        this.count++;
        return;
      }
      if (t[3 * i] === key && t[3 * i + 1] === check) return;
    }
  }
  private grow(): void {
    const old = this.table;
    this.table = new Uint32Array(old.length * 2);
    this.count = 0;
    for (let i = 0; i < old.length; i += 3)
      if (old[i + 2] !== 0) this.add(old[i], old[i + 1], old[i + 2] - 1);
  }
}

// Signatures of the indexed documents, one after another: [docs, H], grown by doubling.
export class SignatureStore {
  private data: Uint32Array;
  count = 0;
  constructor(readonly H: number) {
    this.data = new Uint32Array(H * 1024);
  }
  get bytes(): number {
    return this.data.byteLength;
  }
  push(sig: Uint32Array): number {
    if ((this.count + 1) * this.H > this.data.length) {
      const bigger = new Uint32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data.set(sig, this.count * this.H);
    return this.count++;
  }
  get(doc: number): Uint32Array {
    return this.data.subarray(doc * this.H, (doc + 1) * this.H);
  }
}
