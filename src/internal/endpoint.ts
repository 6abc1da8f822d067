/**
 * Where requests go: the regional endpoint (`https://cognito-sync.{region}.amazonaws.com`, `amazonaws.com.cn` in
 * China, a `cognito-sync-fips` host on request) or a custom one.
 *
 * @internal
 */
import * as Either from "effect/Either"

/** @internal */
export interface EndpointOptions {
  readonly region: string
  readonly endpoint?: string | undefined
  readonly useFips?: boolean | undefined
}

/** A resolved endpoint: the origin and any path prefix, without a trailing slash. @internal */
export interface Endpoint {
  readonly url: URL
  readonly origin: string
  readonly basePath: string
}

const regionPattern = /^[a-z0-9]+(-[a-z0-9]+)*$/

/** @internal */
export const resolveEndpoint = (options: EndpointOptions): Either.Either<Endpoint, string> => {
  if (!regionPattern.test(options.region)) {
    return Either.left(`region "${options.region}" is not a valid AWS region name`)
  }
  if (options.endpoint !== undefined) {
    if (options.useFips === true) return Either.left("a custom endpoint cannot be combined with useFips")
    let url: URL
    try {
      url = new URL(options.endpoint)
    } catch {
      return Either.left(`endpoint "${options.endpoint}" is not a URL`)
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      return Either.left(`endpoint "${options.endpoint}" must be an http or https URL`)
    }
    return Either.right({ url, origin: url.origin, basePath: url.pathname.replace(/\/+$/, "") })
  }
  const suffix = options.region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
  const host = `${options.useFips === true ? "cognito-sync-fips" : "cognito-sync"}.${options.region}.${suffix}`
  const url = new URL(`https://${host}`)
  return Either.right({ url, origin: url.origin, basePath: "" })
}
