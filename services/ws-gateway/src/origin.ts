import { isIP } from 'node:net';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Browsers send Origin; other clients usually do not, and are let through. A listed origin
 * (WS_ALLOWED_ORIGINS) is allowed, '*' allows any. With no list, only pages on a loopback host
 * (`make up`), or on the address the browser connected to when that is an IP literal: a page
 * whose host is a DNS name must be listed, since DNS rebinding can make any name point here
 * and the browser then sends a Host header that matches its Origin.
 */
export function originAllowed(origin: string, host: string, allowed: string[]): boolean {
  if (origin === '' || allowed.includes('*') || allowed.includes(origin)) return true;
  if (allowed.length > 0) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (LOOPBACK.has(url.hostname)) return true;
  const literal = isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0;
  return literal && url.host === host;
}
