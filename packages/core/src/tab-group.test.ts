import { expect } from '@open-wc/testing';
import type { TabGroup, TabGroupEnvironment } from './tab-group.js';
import { joinTabGroup } from './tab-group.js';

// Real Web Locks and BroadcastChannel throughout. Locks are shared by every page of the origin (other
// test files run beside this one), so every test uses a group name of its own.

type Note = { n: number };

let members: TabGroup<Note>[] = [];
let frames: HTMLIFrameElement[] = [];

afterEach(() => {
  for (const member of members) member.close();
  for (const frame of frames) frame.remove();
  members = [];
  frames = [];
});

const uniqueName = (): string => `test-${crypto.randomUUID()}`;

function join(name: string, env?: TabGroupEnvironment): TabGroup<Note> {
  const member = joinTabGroup<Note>(name, env);
  members.push(member);
  return member;
}

/** The first of `group` to become leader. */
const firstLeader = <G extends TabGroup<unknown>>(group: readonly G[]): Promise<G> =>
  Promise.race(group.map((member) => member.leadership.then(() => member)));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How many requests for the group's lock are held and queued, across the whole origin. */
async function lockState(name: string): Promise<{ held: number; pending: number }> {
  const snapshot = await navigator.locks.query();
  const count = (locks: LockInfo[] = []): number => locks.filter((l) => l.name === `tab-group:${name}`).length;
  return { held: count(snapshot.held), pending: count(snapshot.pending) };
}

/** Waits until the browser's lock queue for the group looks like `expected`. */
async function lockStateBecomes(name: string, expected: { held: number; pending: number }): Promise<void> {
  for (;;) {
    const state = await lockState(name);
    if (state.held === expected.held && state.pending === expected.pending) return;
    await sleep(5);
  }
}

/** The next message `member` receives. */
const nextMessage = <M>(member: TabGroup<M>): Promise<M> =>
  new Promise((resolve) => {
    const off = member.onMessage((message) => {
      off();
      resolve(message);
    });
  });

/** The next leadership change of `member`. */
const nextLeaderChange = (member: TabGroup<unknown>): Promise<boolean> =>
  new Promise((resolve) => {
    const off = member.onLeaderChange((isLeader) => {
      off();
      resolve(isLeader);
    });
  });

describe('joinTabGroup', () => {
  it('elects exactly one leader among three members on one page', async () => {
    const name = uniqueName();
    const group = [join(name), join(name), join(name)];
    const leader = await firstLeader(group);
    // Once the other two are queued behind the lock, nothing else can make them leader.
    await lockStateBecomes(name, { held: 1, pending: 2 });
    expect(group.filter((m) => m.isLeader)).to.deep.equal([leader]);
    expect(group.every((m) => m.coordinated)).to.equal(true);
  });

  it('delivers a post to every other member and never back to its sender', async () => {
    const name = uniqueName();
    const [a, b, c] = [join(name), join(name), join(name)];
    const received = { a: [] as Note[], b: [] as Note[], c: [] as Note[] };
    a.onMessage((m) => received.a.push(m));
    b.onMessage((m) => received.b.push(m));
    c.onMessage((m) => received.c.push(m));

    const atB = nextMessage(b);
    const atC = nextMessage(c);
    a.post({ n: 1 });
    expect(await atB).to.deep.equal({ n: 1 });
    expect(await atC).to.deep.equal({ n: 1 });

    const atA = nextMessage(a);
    const atCAgain = nextMessage(c);
    b.post({ n: 2 });
    await Promise.all([atA, atCAgain]);
    expect(received).to.deep.equal({ a: [{ n: 2 }], b: [{ n: 1 }], c: [{ n: 1 }, { n: 2 }] });
  });

  it('hands leadership on within a second when the leader closes, one leader at a time', async () => {
    const name = uniqueName();
    const group = [join(name), join(name), join(name)];
    let most = 0;
    for (const member of group) {
      member.onLeaderChange(() => {
        most = Math.max(most, group.filter((m) => m.isLeader).length);
      });
    }
    const first = await firstLeader(group);
    await lockStateBecomes(name, { held: 1, pending: 2 });

    const start = performance.now();
    first.close();
    expect(first.isLeader).to.equal(false);
    const rest = group.filter((m) => m !== first);
    const second = await firstLeader(rest);
    const elapsed = performance.now() - start;
    expect(elapsed).to.be.below(1000);
    await lockStateBecomes(name, { held: 1, pending: 1 });
    expect(group.filter((m) => m.isLeader)).to.deep.equal([second]);

    second.close();
    const third = rest.find((m) => m !== second);
    await third?.leadership;
    expect(group.filter((m) => m.isLeader)).to.deep.equal([third]);
    expect(most).to.equal(1);
  });

  it('hands leadership to another tab within a second when the leading tab goes away', async () => {
    // Same-origin iframes are real browsing contexts, each loading its own copy of the module with the
    // browser's own globals; removing one ends it, and the browser releases the locks it held.
    const name = uniqueName();
    const load = (): Promise<HTMLIFrameElement> =>
      new Promise((resolve, reject) => {
        const frame = document.createElement('iframe');
        frame.srcdoc = `<script type="module">
          import { joinTabGroup } from '/packages/core/src/tab-group.ts';
          window.group = joinTabGroup(${JSON.stringify(name)});
        </script>`;
        frame.addEventListener('load', () => resolve(frame), { once: true });
        frame.addEventListener('error', reject, { once: true });
        frames.push(frame);
        document.body.append(frame);
      });
    const tabs = await Promise.all([load(), load(), load()]);
    const groupOf = (frame: HTMLIFrameElement): TabGroup<unknown> =>
      (frame.contentWindow as unknown as { group: TabGroup<unknown> }).group;
    const groups = tabs.map(groupOf);

    const leader = await firstLeader(groups);
    await lockStateBecomes(name, { held: 1, pending: 2 });
    expect(groups.filter((g) => g.isLeader)).to.deep.equal([leader]);

    const leaderTab = tabs[groups.indexOf(leader)];
    const others = groups.filter((g) => g !== leader);
    const start = performance.now();
    leaderTab?.remove();
    const next = await firstLeader(others);
    const elapsed = performance.now() - start;
    expect(elapsed).to.be.below(1000);
    await lockStateBecomes(name, { held: 1, pending: 1 });
    expect(others.filter((g) => g.isLeader)).to.deep.equal([next]);
  });

  it('runs alone when the browser refuses the lock (a sandboxed iframe)', async () => {
    // An opaque origin has navigator.locks, but every request rejects with a SecurityError. It cannot
    // fetch the module from this origin either, so it gets the served code as text and imports a blob.
    const code = await (await fetch('/packages/core/src/tab-group.ts')).text();
    const frame = document.createElement('iframe');
    frame.sandbox.add('allow-scripts');
    frame.srcdoc = `<script>
      addEventListener('message', async (event) => {
        const url = URL.createObjectURL(new Blob([event.data], { type: 'text/javascript' }));
        const { joinTabGroup } = await import(url);
        const group = joinTabGroup('refused');
        const heard = [];
        group.onLeaderChange((isLeader) => heard.push(isLeader));
        await group.leadership;
        const locks = typeof navigator.locks;
        parent.postMessage({ locks, isLeader: group.isLeader, coordinated: group.coordinated, heard }, '*');
      }, { once: true });
    </script>`;
    frames.push(frame);
    const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
    document.body.append(frame);
    await loaded;
    const reply = new Promise<unknown>((resolve) => {
      const receive = (event: MessageEvent): void => {
        if (event.source !== frame.contentWindow) return;
        removeEventListener('message', receive);
        resolve(event.data);
      };
      addEventListener('message', receive);
    });
    frame.contentWindow?.postMessage(code, '*');
    expect(await reply).to.deep.equal({ locks: 'object', isLeader: true, coordinated: false, heard: [true] });
  });

  it('makes every member its own leader, talking to nobody, without Web Locks', async () => {
    const name = uniqueName();
    const heard: boolean[] = [];
    const group = [join(name, { locks: null }), join(name, { locks: null }), join(name, { locks: null })];
    // A listener added right after joining still hears the (asynchronous) leadership.
    group[0]?.onLeaderChange((isLeader) => heard.push(isLeader));
    await Promise.all(group.map((m) => m.leadership));
    expect(group.map((m) => [m.isLeader, m.coordinated])).to.deep.equal([
      [true, false],
      [true, false],
      [true, false],
    ]);
    expect(heard).to.deep.equal([true]);

    // Tabs that each hold their own connection must not relay to one another.
    const received: Note[] = [];
    group[1]?.onMessage((m) => received.push(m));
    group[0]?.post({ n: 1 });
    await sleep(50);
    expect(received).to.deep.equal([]);
  });

  it('makes every member its own leader, taking no lock, without BroadcastChannel', async () => {
    const name = uniqueName();
    const group = [join(name, { BroadcastChannel: null }), join(name, { BroadcastChannel: null })];
    await Promise.all(group.map((m) => m.leadership));
    expect(group.map((m) => [m.isLeader, m.coordinated])).to.deep.equal([
      [true, false],
      [true, false],
    ]);
    expect(() => group[0]?.post({ n: 1 })).not.to.throw();
    expect(await lockState(name)).to.deep.equal({ held: 0, pending: 0 });
  });

  it('gives leadership up on pagehide and queues again on pageshow', async () => {
    const name = uniqueName();
    const pageA = new EventTarget();
    const a = join(name, { pageEvents: pageA });
    await a.leadership;
    const b = join(name, { pageEvents: new EventTarget() });
    await lockStateBecomes(name, { held: 1, pending: 1 });

    // Leaving for the back/forward cache: a frozen leader could not serve the other tabs.
    const heard: boolean[] = [];
    a.onLeaderChange((isLeader) => heard.push(isLeader));
    const start = performance.now();
    pageA.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
    expect(a.isLeader).to.equal(false);
    await b.leadership;
    expect(performance.now() - start).to.be.below(1000);
    await lockStateBecomes(name, { held: 1, pending: 0 });

    pageA.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
    await lockStateBecomes(name, { held: 1, pending: 1 });
    expect(a.isLeader).to.equal(false);
    const aLeads = nextLeaderChange(a);
    b.close();
    expect(await aLeads).to.equal(true);
    expect(heard).to.deep.equal([false, true]);
  });

  it('leaves the queue on pagehide while waiting, and rejoins it on pageshow', async () => {
    const name = uniqueName();
    const a = join(name, { pageEvents: new EventTarget() });
    await a.leadership;
    const pageB = new EventTarget();
    const b = join(name, { pageEvents: pageB });
    await lockStateBecomes(name, { held: 1, pending: 1 });

    pageB.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
    await lockStateBecomes(name, { held: 1, pending: 0 });
    a.close();
    await lockStateBecomes(name, { held: 0, pending: 0 });
    expect(b.isLeader).to.equal(false);

    pageB.dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
    await b.leadership;
    expect(b.isLeader).to.equal(true);
  });

  it('keeps groups with different names apart', async () => {
    const [x, y] = [uniqueName(), uniqueName()];
    const [x1, x2, y1, y2] = [join(x), join(x), join(y), join(y)];
    await Promise.all([x1.leadership, y1.leadership]);
    const received: Note[] = [];
    y2.onMessage((m) => received.push(m));
    const atX2 = nextMessage(x2);
    x1.post({ n: 1 });
    y1.post({ n: 2 });
    expect(await atX2).to.deep.equal({ n: 1 });
    await sleep(20);
    expect(received).to.deep.equal([{ n: 2 }]);
  });

  it('keeps leadership when a leadership listener throws', async () => {
    const name = uniqueName();
    const boom = new Error('listener bug');
    const reported: unknown[] = [];
    // Catch what would reach the page as an uncaught error (and fail the test run).
    const report = window.reportError;
    window.reportError = (error: unknown) => reported.push(error);
    try {
      const a = join(name);
      const heard: boolean[] = [];
      const off = a.onLeaderChange(() => {
        throw boom;
      });
      a.onLeaderChange((isLeader) => heard.push(isLeader));
      await a.leadership;
      const b = join(name);
      await lockStateBecomes(name, { held: 1, pending: 1 });
      expect(a.isLeader).to.equal(true);
      expect(b.isLeader).to.equal(false);
      expect(heard).to.deep.equal([true]);
      expect(reported).to.deep.equal([boom]);
      off();
    } finally {
      window.reportError = report;
    }
  });

  it('steps down and queues again when another script steals the lock', async () => {
    const name = uniqueName();
    const a = join(name);
    await a.leadership;
    const aStepsDown = nextLeaderChange(a);
    let giveBack = (): void => undefined;
    const thief = navigator.locks.request(`tab-group:${name}`, { steal: true }, () => {
      return new Promise<void>((resolve) => (giveBack = resolve));
    });
    expect(await aStepsDown).to.equal(false);
    await lockStateBecomes(name, { held: 1, pending: 1 });
    const aLeadsAgain = nextLeaderChange(a);
    giveBack();
    await thief;
    expect(await aLeadsAgain).to.equal(true);
  });
});
