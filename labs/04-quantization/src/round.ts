// Rounding a real number to an integer grid: round half to even.
//
// Every quantizer ends in q = round(x / s). The tie rule matters more than it
// looks: `Math.round` sends every x.5 up, so on data with many ties (small
// integers divided by a power-of-two scale are exactly that) the error has a
// bias of +0.5 per tie. Round half to even ("banker's rounding", IEEE 754's
// default, what ONNX QuantizeLinear and the CPU's cvtps2dq instruction do)
// sends half the ties up and half down, so the error averages to zero:
//
//   round(0.5) = 0, round(1.5) = 2, round(2.5) = 2, round(-0.5) = -0, round(-1.5) = -2

export function roundHalfEven(x: number): number {
  // #region exercise round-half-even
  const f = Math.floor(x);
  const frac = x - f;
  if (frac < 0.5) return f;
  if (frac > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
  // #endregion
}
