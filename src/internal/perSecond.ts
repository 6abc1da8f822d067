/**
 * A formatting of a time that changes at most once a second (a SigV4 date, an HTTP `Date` header), kept for the
 * second rather than computed again on every call.
 *
 * @internal
 */
export const perSecond = <A>(format: (millis: number) => A): (millis: number) => A => {
  let last: { readonly second: number; readonly value: A } | undefined
  return (millis) => {
    const second = Math.floor(millis / 1000)
    if (last?.second !== second) last = { second, value: format(millis) }
    return last.value
  }
}
