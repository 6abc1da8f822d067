/**
 * Schema decoding and encoding compiled into plain functions, for the shapes requests and answers are made of.
 *
 * Schema's interpreter builds an `Either`, an output object and a path for every member it visits; for a page of
 * ListRecords that is several times the work of the call's own decoding, and in a real call (where the interpreter's
 * code is not hot in the CPU's caches) it cost about a tenth of the call's CPU (docs/benchmarks.md). The functions
 * compiled here walk the value once and build only the result.
 *
 * They are a fast path, not a second definition: the Schema stays the only description of a shape. A compiled
 * function handles the nodes it knows (keywords, literals, refinements, declarations without type parameters,
 * unions tried in order, structs with plain property signatures, arrays) and answers `failed` for anything it cannot accept; then, and for
 * any schema with a node it does not know, Schema's own parser runs, so every error is exactly Schema's. A property
 * test (test/compiledSchema.test.ts) checks that both give the same result for every operation's input and output.
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"

// A compiled function answers a value, `failed` (the value is rejected: a union goes on to its next member) or
// `undecided` (only Schema can tell: a declaration answered with an effect); either of these sends the input to
// Schema's own parser.
const failed: unique symbol = Symbol("failed")
const undecided: unique symbol = Symbol("undecided")
type Compiled = (input: unknown) => unknown

const isValue = (outcome: unknown): boolean => outcome !== failed && outcome !== undecided

const parseOptions = (isDecoding: boolean): AST.ParseOptions => isDecoding ? decodingOptions : encodingOptions

// The options Schema's parser hands refinements and declarations: none when decoding, `errors: "first"` when
// encoding (as `encodeUnknownEither` below is called).
const decodingOptions: AST.ParseOptions = AST.defaultParseOption
const encodingOptions: AST.ParseOptions = { errors: "first" }

/**
 * Compiles `ast` for decoding (`true`) or encoding (`false`); `undefined` when it has a node this module leaves to
 * Schema.
 */
const compile = (ast: AST.AST, isDecoding: boolean): Compiled | undefined => {
  // Parse options and decoding fallbacks change how Schema parses a node: such nodes are left to it.
  if (Option.isSome(AST.getParseOptionsAnnotation(ast)) || Option.isSome(AST.getDecodingFallbackAnnotation(ast))) {
    return undefined
  }
  switch (ast._tag) {
    case "StringKeyword":
      return (input) => typeof input === "string" ? input : failed
    case "NumberKeyword":
      return (input) => typeof input === "number" ? input : failed
    case "BooleanKeyword":
      return (input) => typeof input === "boolean" ? input : failed
    case "Literal": {
      const literal = ast.literal
      return (input) => input === literal ? input : failed
    }
    case "UndefinedKeyword":
      return (input) => input === undefined ? input : failed
    case "Union":
      return compileUnion(ast, isDecoding)
    case "Refinement":
      return compileRefinement(ast, isDecoding)
    case "Declaration":
      return compileDeclaration(ast, isDecoding)
    case "TypeLiteral":
      return compileStruct(ast, isDecoding)
    case "TupleType":
      return compileArray(ast, isDecoding)
    default:
      return undefined
  }
}

/**
 * A union whose members Schema tries in their order (`Schema.Literal("a", "b")`, `Schema.optional`'s `X | undefined`):
 * the first member that accepts the input gives the result. Schema orders members that are structs with literal
 * members differently, so those unions are left to it.
 */
const compileUnion = (ast: AST.Union, isDecoding: boolean): Compiled | undefined => {
  const members: Array<Compiled> = []
  for (const member of ast.types) {
    const compiled = triedInOrder(member) ? compile(member, isDecoding) : undefined
    if (compiled === undefined) return undefined
    members.push(compiled)
  }
  return (input) => {
    for (const member of members) {
      const value = member(input)
      // A value, or `undecided`: either ends the search.
      if (value !== failed) return value
    }
    return failed
  }
}

const triedInOrder = (ast: AST.AST): boolean =>
  ast._tag === "Refinement"
    ? triedInOrder(ast.from)
    : ast._tag === "Declaration"
    ? Option.isNone(AST.getSurrogateAnnotation(ast))
    : ast._tag !== "TypeLiteral" && ast._tag !== "Union" && ast._tag !== "Transformation" && ast._tag !== "Suspend"

// A refinement checks its predicate on the decoded value; encoding checks it on the value given and then encodes
// what it refines, so only refinements of values that encode to themselves (keywords, literals) are compiled for it.
const compileRefinement = (ast: AST.Refinement, isDecoding: boolean): Compiled | undefined => {
  if (!isDecoding && !encodesToItself(ast.from)) return undefined
  const from = compile(ast.from, isDecoding)
  if (from === undefined) return undefined
  const options = parseOptions(isDecoding)
  return (input) => {
    const value = from(input)
    if (!isValue(value)) return value
    return Option.isSome(ast.filter(value, options, ast)) ? failed : value
  }
}

const encodesToItself = (ast: AST.AST): boolean =>
  ast._tag === "Refinement"
    ? encodesToItself(ast.from)
    : ast._tag === "StringKeyword" || ast._tag === "NumberKeyword" || ast._tag === "BooleanKeyword" ||
      ast._tag === "Literal" || ast._tag === "UndefinedKeyword"

const compileDeclaration = (ast: AST.Declaration, isDecoding: boolean): Compiled | undefined => {
  if (ast.typeParameters.length > 0) return undefined
  const parse = isDecoding ? ast.decodeUnknown() : ast.encodeUnknown()
  const options = parseOptions(isDecoding)
  return (input) => {
    const result = parse(input, options, ast)
    // A declaration may answer with an effect; Schema's parser runs it.
    return Either.isEither(result) ? (Either.isRight(result) ? result.right : failed) : undecided
  }
}

/** A struct of property signatures (`Schema.Struct`); index signatures are left to Schema. */
const compileStruct = (ast: AST.TypeLiteral, isDecoding: boolean): Compiled | undefined => {
  if (ast.indexSignatures.length > 0 || ast.propertySignatures.length === 0) return undefined
  const members: Array<{ readonly name: PropertyKey; readonly optional: boolean; readonly parse: Compiled }> = []
  for (const signature of ast.propertySignatures) {
    const parse = compile(signature.type, isDecoding)
    if (parse === undefined) return undefined
    members.push({ name: signature.name, optional: signature.isOptional, parse })
  }
  return (input) => {
    if (typeof input !== "object" || input === null || Array.isArray(input)) return failed
    // Members the schema does not name are left out, as Schema's default (`onExcessProperty: "ignore"`) does.
    const output: Record<PropertyKey, unknown> = {}
    for (const member of members) {
      if (!Object.hasOwn(input, member.name)) {
        // A required member that is absent may still decode (from `undefined`): Schema decides.
        if (member.optional) continue
        return failed
      }
      const value = member.parse((input as Record<PropertyKey, unknown>)[member.name])
      if (!isValue(value)) return value
      output[member.name] = value
    }
    return output
  }
}

/** An array of one element type (`Schema.Array`); tuples are left to Schema. */
const compileArray = (ast: AST.TupleType, isDecoding: boolean): Compiled | undefined => {
  if (ast.elements.length > 0 || ast.rest.length !== 1) return undefined
  const item = compile(ast.rest[0]!.type, isDecoding)
  if (item === undefined) return undefined
  return (input) => {
    if (!Array.isArray(input)) return failed
    const output = new Array(input.length)
    for (let i = 0; i < input.length; i++) {
      const value = item(input[i])
      if (!isValue(value)) return value
      output[i] = value
    }
    return output
  }
}

const withFallback = <A, I>(
  compiled: Compiled | undefined,
  schemaParser: (input: unknown) => Either.Either<A | I, ParseResult.ParseError>
): (input: unknown) => Either.Either<A | I, ParseResult.ParseError> => {
  if (compiled === undefined) return schemaParser
  return (input) => {
    const value = compiled(input)
    return isValue(value) ? Either.right(value as A | I) : schemaParser(input)
  }
}

/**
 * `Schema.decodeUnknownEither(schema)`, compiled where the schema allows.
 *
 * @internal
 */
export const decodeUnknownEither = <A, I>(
  schema: Schema.Schema<A, I>
): (input: unknown) => Either.Either<A, ParseResult.ParseError> =>
  withFallback(compile(schema.ast, true), Schema.decodeUnknownEither(schema)) as (
    input: unknown
  ) => Either.Either<A, ParseResult.ParseError>

/**
 * `Schema.encodeUnknownEither(schema, { errors: "first" })`, compiled where the schema allows.
 *
 * @internal
 */
export const encodeUnknownEither = <A, I>(
  schema: Schema.Schema<A, I>
): (input: unknown) => Either.Either<I, ParseResult.ParseError> =>
  withFallback(compile(schema.ast, false), Schema.encodeUnknownEither(schema, encodingOptions)) as (
    input: unknown
  ) => Either.Either<I, ParseResult.ParseError>

/**
 * Whether a schema compiles for decoding (`true`) or encoding (`false`), for tests that check the fast path is
 * really taken.
 *
 * @internal
 */
export const isCompiled = (schema: Schema.Schema.All, isDecoding: boolean): boolean =>
  compile(schema.ast, isDecoding) !== undefined
