/** The page title without a badge. */
export const BASE_TITLE = 'Parlor agent console';

/** The page title with the count of waiting conversations that have unread messages. */
export function alertTitle(count: number, base: string = BASE_TITLE): string {
  return count > 0 ? `(${count}) ${base}` : base;
}

/**
 * Alerts the agent to new chats: a short WebAudio beep (only once the agent has interacted with the page,
 * as browsers require, and only while sound is on) and a `(N)` badge in the title until the page is seen.
 */
export class NewChatAlert {
  readonly #doc: Document;
  #audio: AudioContext | undefined;
  #interacted = false;
  #sound = true;
  #badge = false;
  #count = 0;

  constructor(doc: Document = document) {
    this.#doc = doc;
    const unlock = () => {
      this.#interacted = true;
      this.#ensureAudio();
      doc.removeEventListener('pointerdown', unlock, true);
      doc.removeEventListener('keydown', unlock, true);
    };
    doc.addEventListener('pointerdown', unlock, true);
    doc.addEventListener('keydown', unlock, true);
    doc.addEventListener('visibilitychange', () => {
      if (doc.visibilityState === 'visible') this.clearBadge();
    });
    doc.defaultView?.addEventListener('focus', () => this.clearBadge());
  }

  /** Whether new chats beep. */
  get soundEnabled(): boolean {
    return this.#sound;
  }

  set soundEnabled(on: boolean) {
    this.#sound = on;
  }

  /** A conversation needs attention: beep and badge the title. */
  alert(): void {
    this.#badge = true;
    this.#render();
    if (this.#sound && this.#interacted) this.#beep();
  }

  /** The number of waiting conversations with unread messages changed. */
  setCount(count: number): void {
    this.#count = count;
    if (count === 0) this.#badge = false;
    this.#render();
  }

  /** The agent is looking: drop the badge. */
  clearBadge(): void {
    this.#badge = false;
    this.#render();
  }

  #render(): void {
    const title = alertTitle(this.#badge ? this.#count : 0);
    if (this.#doc.title !== title) this.#doc.title = title;
  }

  #ensureAudio(): AudioContext | undefined {
    if (this.#audio) return this.#audio;
    const view = this.#doc.defaultView;
    if (!view || typeof view.AudioContext !== 'function') return undefined;
    try {
      this.#audio = new view.AudioContext();
    } catch {
      return undefined;
    }
    return this.#audio;
  }

  #beep(): void {
    const audio = this.#ensureAudio();
    if (!audio) return;
    if (audio.state === 'suspended') void audio.resume().catch(() => undefined);
    const start = audio.currentTime + 0.01;
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.type = 'sine';
    oscillator.frequency.setValueAtTime(880, start);
    oscillator.frequency.setValueAtTime(660, start + 0.12);
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.28);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start(start);
    oscillator.stop(start + 0.3);
  }
}
