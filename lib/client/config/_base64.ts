/**
 * Base64 of UTF-8 text.
 *
 * @module
 */

/** Encodes `text` as UTF-8 and then base64. */
export function base64Utf8(text: string): string {
  let binary = "";
  for (const b of new TextEncoder().encode(text)) binary += String.fromCharCode(b);
  return btoa(binary);
}
