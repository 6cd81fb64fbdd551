/** A problem found while reading text. `line` is 1-based in the input given to the parser. */
export interface Diagnostic {
  line: number;
  message: string;
  severity?: 'error' | 'warning' | 'info';
}

/** Every parser returns a value and never throws. */
export interface ParseResult<T> {
  value: T;
  diagnostics: Diagnostic[];
}

/** Nominal brands for ids that are easy to mix up. */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };
export type TableId = Brand<number, 'TableId'>;
export type OfPort = Brand<number, 'OfPort'>;
/** Lower-case hex with 0x prefix, as OVS prints it ("0x4475182f"). */
export type Cookie = Brand<string, 'Cookie'>;
export type TunnelKey = Brand<number, 'TunnelKey'>;

/**
 * Version of the shapes a stored record holds. 2: ovn-detrace's datapath-group lists are
 * `logical.datapaths` + `logical.datapathLines` only (1 also had a note per datapath).
 */
export const MODEL_VERSION = 2;
