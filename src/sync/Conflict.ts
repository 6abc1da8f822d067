/**
 * Conflicts and how to resolve them. A conflict is a key edited on this device while its remote record moved
 * past the count the edit was based on. A resolver is an `Effect`-returning function of the conflict.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"

/**
 * One side of a conflict. `value` undefined means the key is deleted on that side.
 *
 * @since 0.1.0
 * @category models
 */
export interface Side {
  readonly value: string | undefined
  readonly syncCount: number
  /** When the value changed on the device that changed it (epoch milliseconds), when known. */
  readonly deviceLastModifiedDate: number | undefined
  /** The server's modification time (epoch milliseconds); for the local side, of the record it was based on. */
  readonly lastModifiedDate: number | undefined
  readonly lastModifiedBy: string | undefined
}

/**
 * A conflict on one key.
 *
 * @since 0.1.0
 * @category models
 */
export interface Conflict {
  readonly datasetName: string
  readonly key: string
  readonly local: Side
  readonly remote: Side
}

/**
 * How a conflict ends: the remote record, the local value, or another value (`undefined` deletes the key).
 *
 * @since 0.1.0
 * @category models
 */
export type Resolution =
  | { readonly _tag: "UseRemote" }
  | { readonly _tag: "UseLocal" }
  | { readonly _tag: "UseValue"; readonly value: string | undefined }

/**
 * Decides a conflict.
 *
 * @since 0.1.0
 * @category models
 */
export type Resolver = (conflict: Conflict) => Effect.Effect<Resolution>

/**
 * Take the remote record.
 *
 * @since 0.1.0
 * @category constructors
 */
export const useRemote: Resolution = { _tag: "UseRemote" }

/**
 * Keep the local value.
 *
 * @since 0.1.0
 * @category constructors
 */
export const useLocal: Resolution = { _tag: "UseLocal" }

/**
 * Use this value (`undefined` deletes the key).
 *
 * @since 0.1.0
 * @category constructors
 */
export const useValue = (value: string | undefined): Resolution => ({ _tag: "UseValue", value })

/**
 * The time last-writer-wins compares: the device modification time, else the server's.
 *
 * @since 0.1.0
 * @category last writer wins
 */
export const writeTime = (side: Side): number => side.deviceLastModifiedDate ?? side.lastModifiedDate ?? 0

/**
 * Whether the local side wins under last-writer-wins: a later write time wins; on a tie the greater value wins
 * and a deletion loses to any value, so two devices looking at the same pair pick the same winner.
 *
 * @since 0.1.0
 * @category last writer wins
 */
export const localWinsByTime = (conflict: Conflict): boolean => {
  const local = writeTime(conflict.local)
  const remote = writeTime(conflict.remote)
  if (local !== remote) return local > remote
  const a = conflict.local.value
  const b = conflict.remote.value
  if (a === b) return false
  if (a === undefined) return false
  if (b === undefined) return true
  return a > b
}

/**
 * The default resolver: last writer wins, by device modification time, ties broken deterministically.
 *
 * @since 0.1.0
 * @category resolvers
 */
export const lastWriterWins: Resolver = (conflict) => Effect.succeed(localWinsByTime(conflict) ? useLocal : useRemote)

/**
 * Always take the remote record.
 *
 * @since 0.1.0
 * @category resolvers
 */
export const remoteWins: Resolver = () => Effect.succeed(useRemote)

/**
 * Always keep the local value.
 *
 * @since 0.1.0
 * @category resolvers
 */
export const localWins: Resolver = () => Effect.succeed(useLocal)

/**
 * Resolve with a value computed from both sides (for example a merge of two lists); `undefined` deletes.
 *
 * @since 0.1.0
 * @category resolvers
 */
export const withValue = (f: (conflict: Conflict) => string | undefined): Resolver => (conflict) =>
  Effect.succeed(useValue(f(conflict)))
