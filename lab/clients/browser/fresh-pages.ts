/**
 * Keeps one unused browser context ready, so a verdict costs about one navigation; never hands
 * the same one out twice (a verdict must not ride on another visit's sockets or cache).
 */
export class FreshPages<Fresh extends { context: { close(): Promise<unknown> } }> {
  private spare: Promise<Fresh> | undefined;

  constructor(
    private readonly open: () => Promise<Fresh>,
    private readonly connected: () => boolean,
  ) {}

  take(): Promise<Fresh> {
    const taken = this.spare ?? this.open();
    this.spare = undefined;
    return taken;
  }

  refill(): void {
    if (this.spare || !this.connected()) return;
    const spare = this.open();
    spare.catch(() => undefined);
    this.spare = spare;
  }

  async dispose(): Promise<void> {
    const spare = this.spare;
    this.spare = undefined;
    if (spare) await spare.then((fresh) => fresh.context.close(), () => undefined).catch(() => undefined);
  }
}
