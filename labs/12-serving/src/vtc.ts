// Fair scheduling between tenants: the Virtual Token Counter (Sheng et al. 2024, "Fairness in
// Serving Large Language Models", §4, Algorithm 2).
//
// First come, first served is unfair in a way users notice: a tenant who sends ten times
// more requests gets ten times more of the server, and everyone else waits behind them.
// VTC keeps one counter per tenant, the service it has received, in weighted tokens:
//
//   c_u += w_p · (prompt tokens)        when one of u's requests is admitted
//   c_u += w_q · (new tokens)           for each token u's requests generate
//
// (the paper weighs output tokens w_q = 2 against w_p = 1: a decode costs more per token
// than a prompt token in a batched prefill), and admits next the waiting request of the
// tenant with the SMALLEST counter, earliest request first within a tenant.
//
// The lift. A tenant who sends nothing for an hour must not bank an hour of credit and then
// starve everyone: when u, with nothing waiting, sends a request, its counter is raised to
//   c_u = max(c_u, min over tenants v with waiting requests of c_v)
// (to the counter of the last tenant served when nobody is waiting). Then u is served as if
// it had been backlogged all along, no more.

export interface Waiting {
  tenant: string;
  arrival: number; // the engine's arrival order
}

export class VirtualTokenCounter {
  readonly counters = new Map<string, number>();
  private lastServed: string | undefined;

  constructor(
    readonly wPrompt = 1,
    readonly wOutput = 2,
  ) {}

  counter(tenant: string): number {
    return this.counters.get(tenant) ?? 0;
  }

  // A request from `tenant` joins the waiting queue (which does not hold it yet).
  arrive(tenant: string, waiting: readonly Waiting[]): void {
    if (waiting.some((w) => w.tenant === tenant)) return; // already backlogged: no lift
    const others = [...new Set(waiting.map((w) => w.tenant))].map((t) => this.counter(t));
    const floor =
      others.length > 0 ? Math.min(...others) : this.lastServed ? this.counter(this.lastServed) : 0;
    this.counters.set(tenant, Math.max(this.counter(tenant), floor));
  }

  // Which waiting request to admit next: the index into `waiting`, or −1 when it is empty.
  pick(waiting: readonly Waiting[]): number {
    let best = -1;
    // #region exercise vtc-pick
    for (let i = 0; i < waiting.length; i++) {
      const c = this.counter(waiting[i].tenant);
      const cb = best < 0 ? Infinity : this.counter(waiting[best].tenant);
      if (c < cb || (c === cb && waiting[i].arrival < waiting[best].arrival)) best = i;
    }
    // #endregion
    return best;
  }

  admitted(tenant: string, promptTokens: number): void {
    this.counters.set(tenant, this.counter(tenant) + this.wPrompt * promptTokens);
    this.lastServed = tenant;
  }

  generated(tenant: string, tokens: number): void {
    this.counters.set(tenant, this.counter(tenant) + this.wOutput * tokens);
  }
}
