/** Makes a switch over a union exhaustive: a new member without a case is a type error. */
export function unhandled(x: never): never {
  throw new Error(`unhandled event ${JSON.stringify(x)}`);
}
