/**
 * Local Telegram Bot API and Slack incoming-webhook servers (real HTTP on 127.0.0.1:0) for the
 * alert tests: they record what was sent, answer in each service's shapes, and can fail (HTTP
 * status) or hang (never answer) on demand. Telegram also serves getUpdates (long poll) with
 * messages a test pushes, as if typed in a chat.
 */
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import type {Socket} from 'node:net';

/** An HTTP status (with a JSON body when given, else an HTML error page), or no answer at all. */
export type Fault = {readonly kind: 'status'; readonly status: number; readonly body?: unknown} | {readonly kind: 'hang'};

interface Base {
  readonly url: string;
  /** Every request received (delivered or not), in order. */
  readonly requests: {readonly path: string; readonly body: unknown; readonly atMs: number}[];
  /** Fail every following request with this status, or hang it; null: answer normally again. */
  fault(fault: Fault | null): void;
  close(): Promise<void>;
}

export interface LocalTelegram extends Base {
  readonly token: string;
  /** Messages accepted by sendMessage. */
  readonly sent: {readonly chatId: string; readonly text: string}[];
  /** A chat message the bot will see in getUpdates. */
  push(chatId: number, text: string): void;
}

export interface LocalSlack extends Base {
  /** The incoming-webhook URL. */
  readonly webhookUrl: string;
  readonly sent: {readonly text: string}[];
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse, body: unknown) => void, state: {fault: Fault | null; requests: Base['requests']}) {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = raw;
      try {
        body = raw === '' ? {} : JSON.parse(raw);
      } catch {
        // keep the text
      }
      state.requests.push({path: req.url ?? '', body, atMs: Date.now()});
      const fault = state.fault;
      if (fault?.kind === 'hang') return; // never answered; the socket is destroyed at close
      if (fault?.kind === 'status') {
        if (fault.body !== undefined) res.writeHead(fault.status, {'content-type': 'application/json'}).end(JSON.stringify(fault.body));
        else res.writeHead(fault.status, {'content-type': 'text/html'}).end('<html><body>Internal Server Error</body></html>');
        return;
      }
      handler(req, res, body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as {port: number}).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function startLocalTelegram(token = '123456789:AAHtestTOKENtestTOKENtestTOKEN12345'): Promise<LocalTelegram> {
  const state = {fault: null as Fault | null, requests: [] as Base['requests']};
  const sent: LocalTelegram['sent'] = [];
  const updates: {update_id: number; message: {message_id: number; chat: {id: number; type: string}; date: number; text: string}}[] = [];
  const waiting = new Set<() => void>();
  let nextUpdate = 1;
  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, {'content-type': 'application/json'}).end(JSON.stringify(body));
  const server = await listen((req, res, body) => {
    const match = /^\/bot([^/]+)\/(\w+)/.exec(req.url ?? '');
    if (match === null) return json(res, 404, {ok: false, error_code: 404, description: 'Not Found'});
    if (match[1] !== token) return json(res, 401, {ok: false, error_code: 401, description: 'Unauthorized'});
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (match[2] === 'sendMessage') {
      if (b.chat_id === undefined || typeof b.text !== 'string' || b.text === '') return json(res, 400, {ok: false, error_code: 400, description: 'Bad Request: message text is empty'});
      sent.push({chatId: String(b.chat_id), text: b.text});
      return json(res, 200, {ok: true, result: {message_id: sent.length, chat: {id: Number(b.chat_id)}, text: b.text}});
    }
    if (match[2] === 'getUpdates') {
      const offset = Number(b.offset ?? 0);
      const timeoutS = Math.min(Number(b.timeout ?? 0), 30);
      const answer = () => json(res, 200, {ok: true, result: updates.filter((u) => u.update_id >= offset)});
      if (updates.some((u) => u.update_id >= offset) || timeoutS <= 0) return answer();
      const wake = () => {
        clearTimeout(t);
        waiting.delete(wake);
        answer();
      };
      const t = setTimeout(wake, timeoutS * 1000);
      waiting.add(wake);
      res.on('close', () => {
        clearTimeout(t);
        waiting.delete(wake);
      });
      return;
    }
    return json(res, 404, {ok: false, error_code: 404, description: 'Not Found: method not found'});
  }, state);
  return {
    url: server.url,
    token,
    sent,
    requests: state.requests,
    fault: (f) => void (state.fault = f),
    push(chatId, text) {
      updates.push({update_id: nextUpdate++, message: {message_id: nextUpdate, chat: {id: chatId, type: 'private'}, date: Math.floor(Date.now() / 1000), text}});
      for (const w of [...waiting]) w();
    },
    close: server.close,
  };
}

export async function startLocalSlack(): Promise<LocalSlack> {
  const state = {fault: null as Fault | null, requests: [] as Base['requests']};
  const sent: LocalSlack['sent'] = [];
  const path = '/services/T0LOCAL/B0LOCAL/abcdefghijklmnopqrstuvwx';
  const server = await listen((req, res, body) => {
    if (req.url !== path) return res.writeHead(404, {'content-type': 'text/plain'}).end('no_service');
    const text = (body as {text?: unknown}).text;
    if (typeof text !== 'string' || text === '') return res.writeHead(400, {'content-type': 'text/plain'}).end('no_text');
    sent.push({text});
    res.writeHead(200, {'content-type': 'text/plain'}).end('ok');
  }, state);
  return {url: server.url, webhookUrl: `${server.url}${path}`, sent, requests: state.requests, fault: (f) => void (state.fault = f), close: server.close};
}

/** The runbook's 알림 채널 block, verbatim (Slack disabled, as there). */
export const RUNBOOK_ALERTS_YAML = `
alerts:
  telegram:
    enabled: true
    chat_id: "\${TELEGRAM_CHAT_ID}"
    token: "\${TELEGRAM_BOT_TOKEN}"
    levels:
      - critical
      - warning

  # Slack 웹훅 (선택)
  slack:
    enabled: false
    webhook_url: "\${SLACK_WEBHOOK_URL}"
`;
