/**
 * Go's `strconv.Quote` (the `%q` verb), so that error messages quoting user input match
 * the Go library's byte for byte.
 *
 * @module
 */

const ESCAPES: Record<string, string> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
  "\\": "\\\\",
  '"': '\\"',
};

function isPrintable(cp: number): boolean {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return false;
  if (cp === 0xad || cp === 0x2028 || cp === 0x2029 || cp === 0xfeff) return false;
  if (cp >= 0xd800 && cp <= 0xdfff) return false; // a lone surrogate
  return true;
}

/**
 * Quotes `text` as Go's `strconv.Quote` does: double quotes, backslash escapes for
 * quotes, backslashes and control characters, printable Unicode kept as is.
 *
 * @param text The text to quote.
 * @returns The quoted text, such as `"a\"b"`.
 */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const escape = ESCAPES[ch];
    if (escape !== undefined) {
      out += escape;
      continue;
    }
    const cp = ch.codePointAt(0) ?? 0;
    if (isPrintable(cp)) out += ch;
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, "0")}`;
    else out += `\\U${cp.toString(16).padStart(8, "0")}`;
  }
  return out + '"';
}
