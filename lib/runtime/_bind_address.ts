/**
 * Bind addresses in controller-runtime's flag syntax (`--metrics-bind-address`,
 * `--health-probe-bind-address`): `host:port`, `:port` for every interface, `[::1]:port`
 * for IPv6, and `0` to turn the server off.
 *
 * @module
 */

/** Where to listen. */
export interface BindAddress {
  hostname: string;
  port: number;
}

/**
 * Parses a bind address.
 *
 * @param flag The flag name, for the error message.
 * @param address The address, or `undefined` / `""` / `"0"` for "off".
 * @returns Where to listen, or `undefined` when the server is off.
 * @throws {RangeError} When the address is not `host:port` with a port in 0..65535.
 */
export function parseBindAddress(
  flag: string,
  address: string | undefined,
): BindAddress | undefined {
  if (address === undefined || address === "" || address === "0") return undefined;
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[3]) : NaN;
  if (!match || !(port >= 0 && port <= 65535)) {
    throw new RangeError(
      `${flag} must be host:port (or :port, or 0 to turn it off), got ${JSON.stringify(address)}`,
    );
  }
  const hostname = match[1] ?? match[2] ?? "";
  return { hostname: hostname === "" ? "0.0.0.0" : hostname, port };
}
