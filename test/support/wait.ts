/** Resolves once `check` holds, polling; fails after `timeoutMs` (generous: tests run on a loaded machine). */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 40_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
