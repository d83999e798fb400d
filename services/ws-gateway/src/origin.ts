/**
 * Browsers send Origin; other clients usually do not, and are let through. With no list, only
 * pages served from the same host may connect; '*' allows any origin.
 */
export function originAllowed(origin: string, host: string, allowed: string[]): boolean {
  if (origin === '' || allowed.includes('*') || allowed.includes(origin)) return true;
  if (allowed.length > 0) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
