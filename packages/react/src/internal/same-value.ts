/**
 * Whether two plain settings objects hold the same data. Props are often written inline (`context={{ … }}`),
 * a new object on every render: comparing by value keeps a re-render from re-sending what did not change.
 * Functions (a JWT getter) are not compared: a new closure over the same identity is the same identity.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b));
}
