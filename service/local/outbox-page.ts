/**
 * `GET /`: the local outbox as a page. SMS as phone-style bubbles, voice calls as their SSML with the voice id,
 * newest first, refreshed every 1.5 s from the `/_local` routes; under each message the origination identity that
 * sent it, its delivery receipts (status and time) and whether the code was used (the message's feedback); a
 * dead-letter queue tab, a tab of the requests the abuse guard refused and why (`/_local/refusals`), and a faults
 * panel.
 * Everything is rendered with `textContent`, so message text can never inject markup; destination numbers are
 * masked as everywhere else.
 */
import { getCountries, getCountryCallingCode } from 'libphonenumber-js';

/** Every country calling code libphonenumber knows, for the page's masking of destination numbers. */
const CALLING_CODES = [...new Set(getCountries().map((country) => getCountryCallingCode(country)))];

/** The page, as served. */
export function outboxPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>okta-phone-mfa · local outbox</title>
<style>
  :root { --bg:#f4f5f7; --card:#fff; --ink:#1d1f23; --muted:#6b7280; --sms:#2f7cf6; --voice:#7c3aed; --bad:#dc2626; }
  * { box-sizing: border-box; }
  [hidden] { display: none !important; }
  body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background:var(--bg); color:var(--ink); }
  header { display:flex; align-items:center; gap:16px; padding:14px 24px; background:#111827; color:#fff; }
  header h1 { font-size:16px; margin:0; font-weight:600; }
  header .hint { color:#9ca3af; font-size:12px; }
  nav { display:flex; gap:4px; margin-left:auto; }
  nav button { background:transparent; color:#d1d5db; border:1px solid #374151; border-radius:6px; padding:6px 12px; cursor:pointer; }
  nav button[aria-selected="true"] { background:#fff; color:#111827; }
  main { display:grid; grid-template-columns: 1fr 280px; gap:24px; padding:24px; max-width:1200px; margin:0 auto; }
  .list { display:flex; flex-direction:column; gap:14px; }
  .empty { color:var(--muted); padding:40px; text-align:center; border:2px dashed #d1d5db; border-radius:12px; }
  .card { background:var(--card); border-radius:12px; padding:14px 16px; box-shadow:0 1px 2px rgba(0,0,0,.06); }
  .meta { display:flex; flex-wrap:wrap; gap:8px; align-items:center; color:var(--muted); font-size:12px; margin-bottom:8px; }
  .badge { font-weight:600; font-size:11px; letter-spacing:.04em; padding:2px 8px; border-radius:999px; color:#fff; }
  .badge.SMS { background:var(--sms); } .badge.VOICE { background:var(--voice); } .badge.DLQ { background:var(--bad); }
  .badge.REFUSED { background:#b45309; } .badge.resend { background:#6d28d9; }
  .phone { max-width:360px; background:#e5e7eb; border-radius:18px; padding:12px; }
  .bubble { display:inline-block; background:var(--sms); color:#fff; padding:9px 13px; border-radius:18px 18px 18px 4px; white-space:pre-wrap; word-break:break-word; }
  .from { font-size:11px; color:var(--muted); margin:0 0 6px 4px; }
  pre { margin:0; white-space:pre-wrap; word-break:break-word; background:#f5f3ff; border-left:3px solid var(--voice); padding:10px 12px; border-radius:6px; font:12.5px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; }
  pre.dlq { background:#fef2f2; border-left-color:var(--bad); }
  aside .card h2 { font-size:14px; margin:0 0 10px; }
  aside button { display:block; width:100%; margin:6px 0; padding:7px 10px; border-radius:6px; border:1px solid #d1d5db; background:#fff; cursor:pointer; text-align:left; }
  aside button.on { border-color:var(--bad); background:#fef2f2; color:var(--bad); font-weight:600; }
  aside .state { font-size:12px; color:var(--muted); margin-top:8px; word-break:break-word; }
  .count { font-variant-numeric: tabular-nums; }
  .story { display:flex; flex-wrap:wrap; gap:6px; align-items:center; margin-top:10px; font-size:12px; color:var(--muted); }
  .receipt { padding:2px 8px; border-radius:999px; background:#e5e7eb; color:#374151; font-variant-numeric: tabular-nums; }
  .receipt.final { font-weight:600; }
  .receipt.good { background:#dcfce7; color:#166534; } .receipt.bad { background:#fee2e2; color:#991b1b; }
  .used { margin-left:auto; padding:2px 8px; border-radius:999px; font-weight:600; }
  .used.RECEIVED { background:#dcfce7; color:#166534; } .used.FAILED { background:#fee2e2; color:#991b1b; } .used.none { background:#f3f4f6; }
</style>
</head>
<body>
<header>
  <h1>okta-phone-mfa · local outbox</h1>
  <span class="hint">what End User Messaging "delivered" · refreshes every 1.5 s</span>
  <label class="hint"><input type="checkbox" id="show-codes"> show codes</label>
  <nav role="tablist">
    <button role="tab" id="tab-outbox" aria-selected="true">Outbox <span class="count" id="count-outbox">0</span></button>
    <button role="tab" id="tab-dlq" aria-selected="false">Dead-letter queue <span class="count" id="count-dlq">0</span></button>
    <button role="tab" id="tab-refused" aria-selected="false">Refused <span class="count" id="count-refused">0</span></button>
  </nav>
</header>
<main>
  <section>
    <div class="list" id="outbox" data-testid="outbox"></div>
    <div class="list" id="dlq" data-testid="dlq" hidden></div>
    <div class="list" id="refused" data-testid="refused" hidden></div>
  </section>
  <aside>
    <div class="card" data-testid="faults">
      <h2>Faults</h2>
      <button data-fault='{"messaging":{"mode":"throttle"}}'>Messaging: throttle</button>
      <button data-fault='{"messaging":{"mode":"error"}}'>Messaging: 5xx error</button>
      <button data-fault='{"messaging":{"mode":"reject"}}'>Messaging: number opted out</button>
      <button data-fault='{"messaging":{"mode":"latency","latencyMs":10000}}'>Messaging: hang 10 s</button>
      <button data-fault='{"messaging":{"mode":"ambiguous"}}'>Messaging: accept, then 5xx</button>
      <button data-fault='{"messaging":{"mode":"identity-inactive","identity":["+12065550100","+12065550101"]}}'>US numbers inactive: Notify sends</button>
      <button data-fault='{"messaging":{"mode":"notify-spend-limit"}}'>Notify: spend limit reached</button>
      <button data-fault='{"dynamodb":{"mode":"latency","latencyMs":5000}}'>DynamoDB: 5 s per call</button>
      <button data-fault='{"templates":"unavailable"}'>Templates table unreachable</button>
      <button data-fault='{"jwks":"unavailable"}'>Okta JWKS unreachable</button>
      <button data-fault='{"abuse":"unavailable"}'>Abuse guard table unreachable</button>
      <button data-fault='{"receipts":{"status":"CARRIER_UNREACHABLE"}}'>Receipts: carrier unreachable</button>
      <button data-fault='{"receipts":{"status":"BLOCKED"}}'>Receipts: blocked</button>
      <button data-fault='{"receipts":{"status":"DELIVERED","delayMs":5000}}'>Receipts: 5 s to the handset</button>
      <button data-fault='{"receipts":{"status":"BLOCKED","duplicates":2}}'>Receipts: blocked, delivered twice by SNS</button>
      <button data-fault='{"iam":{"function":"deliver-otp","deny":"sms-voice:SendTextMessage"}}'>IAM: hook loses sms-voice:SendTextMessage</button>
      <button data-fault='{"iam":{"function":"deliver-otp","deny":"sqs:SendMessage"}}'>IAM: hook loses sqs:SendMessage</button>
      <button data-fault='{"iam":{"function":"record-delivery-event","deny":"dynamodb:GetItem"}}'>IAM: receipts lose dynamodb:GetItem</button>
      <button id="clear-faults">Clear all faults</button>
      <div class="state" id="fault-state">none</div>
    </div>
    <div class="card" style="margin-top:16px">
      <h2>Clear</h2>
      <button id="clear-outbox">Empty the outbox</button>
      <button id="clear-dlq">Empty the dead-letter queue</button>
      <button id="clear-refused">Empty the refused list</button>
    </div>
  </aside>
</main>
<script>
  const el = (tag, cls, text) => { const n = document.createElement(tag); if (cls) n.className = cls; if (text !== undefined) n.textContent = text; return n; };
  // maskPhone's rule (service/src/domain/redact.ts): the country code, at most the last 3 digits, at least half of
  // the national digits hidden; unreadable, at most the last 2. Calling codes are prefix-free: at most one matches.
  const CALLING_CODES = new Set(${JSON.stringify(CALLING_CODES)});
  const mask = (p) => {
    const raw = String(p || '').trim(); const d = raw.replace(/\\D/g, '');
    const cc = raw.startsWith('+') ? [1, 2, 3].map((n) => d.slice(0, n)).find((c) => CALLING_CODES.has(c)) : undefined;
    const national = cc ? d.slice(cc.length) : '';
    if (!cc || !national) { const k = Math.min(2, Math.max(0, Math.floor((d.length - 3) / 2))); return '*'.repeat(Math.max(3, Math.min(d.length - k, 12))) + d.slice(d.length - k); }
    const shown = Math.min(3, Math.floor(national.length / 2));
    return '+' + cc + ' ' + '*'.repeat(national.length - shown) + national.slice(national.length - shown);
  };
  const when = (iso) => new Date(iso).toLocaleTimeString();
  // Codes are hidden until asked for, so the page is safe to screen-share or screenshot.
  let showCodes = false;
  const hideCodes = (text) => showCodes ? String(text || '') : String(text || '')
    .replace(/(interpret-as="characters">)[^<]*(<\\/say-as>)/g, '$1•$2')
    .replace(/\\b[0-9]{4,12}\\b/g, (code) => '•'.repeat(code.length));
  let tab = 'outbox';
  let faults = {};

  function renderOutbox(messages) {
    const list = document.getElementById('outbox');
    document.getElementById('count-outbox').textContent = messages.length;
    list.replaceChildren();
    if (!messages.length) { list.append(el('div', 'empty', 'Nothing delivered yet. Try: npm run okta -- send --phone +14155550100 --channel sms')); return; }
    for (const m of [...messages].reverse()) {
      const card = el('article', 'card'); card.dataset.testid = 'message'; card.dataset.channel = m.channel;
      const meta = el('div', 'meta');
      meta.append(el('span', 'badge ' + m.channel, m.channel), el('span', '', 'to ' + mask(m.DestinationPhoneNumber)),
        el('span', '', 'from ' + (m.OriginationIdentity || '?')), el('span', '', when(m.receivedAt)), el('span', '', 'MessageId ' + m.messageId));
      // A resend: what the resend rule did (escalated:no_receipt, kept:delivered, …), from the send's Context.
      if (m.Context && m.Context.resend) {
        const r = el('span', 'badge resend', 'resend ' + String(m.Context.resend).replace(':', ' · ').replace(/_/g, ' '));
        r.dataset.testid = 'resend'; meta.append(r);
      }
      card.append(meta);
      if (m.channel === 'SMS') {
        const phone = el('div', 'phone');
        phone.append(el('div', 'from', m.OriginationIdentity || ''), el('div', 'bubble', hideCodes(m.MessageBody)));
        card.append(phone);
      } else {
        meta.append(el('span', 'badge VOICE', 'voice ' + (m.VoiceId || 'default')));
        card.append(el('pre', '', hideCodes(m.MessageBody)));
      }
      card.append(story(m));
      list.append(card);
    }
  }

  // The receipts End User Messaging sent for the message, and whether the code was used (PutMessageFeedback).
  const GOOD = new Set(['TEXT_SUCCESSFUL', 'TEXT_DELIVERED', 'VOICE_ANSWERED', 'VOICE_COMPLETED']);
  const PROGRESS = new Set(['VOICE_INITIATED', 'VOICE_RINGING', 'TEXT_PENDING', 'TEXT_QUEUED']);
  const USED = { RECEIVED: 'code used', FAILED: 'code expired unused' };
  function story(m) {
    const row = el('div', 'story'); row.dataset.testid = 'story';
    row.append(el('span', '', 'sent by ' + (m.OriginationIdentity || '?') + ' ·'));
    const events = m.events || [];
    if (!events.length) row.append(el('span', 'receipt', 'no receipt yet'));
    events.forEach((e, i) => {
      const kind = GOOD.has(e.eventType) ? ' good' : PROGRESS.has(e.eventType) ? '' : ' bad';
      const r = el('span', 'receipt' + kind + (i === events.length - 1 ? ' final' : ''),
        e.eventType.replace(/^(TEXT|VOICE)_/, '').toLowerCase().replace(/_/g, ' ') + ' ' + when(e.eventTimestamp));
      r.dataset.testid = 'receipt'; r.dataset.eventType = e.eventType;
      row.append(r);
    });
    const used = el('span', 'used ' + (m.feedback || 'none'), USED[m.feedback] || 'not used yet');
    used.dataset.testid = 'used';
    row.append(used);
    return row;
  }

  function renderDlq(messages) {
    const list = document.getElementById('dlq');
    document.getElementById('count-dlq').textContent = messages.length;
    list.replaceChildren();
    if (!messages.length) { list.append(el('div', 'empty', 'No failed deliveries.')); return; }
    for (const m of [...messages].reverse()) {
      let record = m.body; try { record = JSON.parse(m.body); } catch {}
      const card = el('article', 'card'); card.dataset.testid = 'dlq-record';
      const meta = el('div', 'meta');
      meta.append(el('span', 'badge DLQ', (record.error && record.error.reason) || 'failed'), el('span', '', when(m.receivedAt)), el('span', '', 'MessageId ' + m.messageId));
      card.append(meta, el('pre', 'dlq', JSON.stringify(record, null, 2)));
      list.append(card);
    }
  }

  // What each abuse guard reason means, as Okta's errorCauses summarise it.
  const WHY = {
    number_10m: 'the number reached its limit per 10 minutes', number_24h: 'the number reached its limit per 24 hours',
    user_1h: 'the user reached their limit per hour', ip_1h: 'the client IP reached its enrolment limit per hour',
    prefix_1h: 'the number range reached its enrolment limit per hour', denied_number: 'the number is denied',
    denied_prefix: 'the number range is denied', number_type: 'premium-rate or shared-cost number',
  };

  function renderRefused(refusals) {
    const list = document.getElementById('refused');
    document.getElementById('count-refused').textContent = refusals.length;
    list.replaceChildren();
    if (!refusals.length) { list.append(el('div', 'empty', 'Nothing refused by the abuse guard. Try: npm run okta -- send --repeat 8 --new-event-ids')); return; }
    for (const r of [...refusals].reverse()) {
      const card = el('article', 'card'); card.dataset.testid = 'refusal'; card.dataset.reason = r.reason;
      const meta = el('div', 'meta');
      meta.append(el('span', 'badge REFUSED', r.reason.toUpperCase()), el('span', '', 'to ' + r.maskedPhone),
        el('span', '', r.channel), el('span', '', when(r.at)), el('span', '', 'eventId ' + r.eventId));
      card.append(meta, el('div', '', (WHY[r.reason] || r.reason) + (r.answer === 'pretend-sent' ? ' · answered SUCCESSFUL, not sent (pretend-sent)' : ' · answered with an error object: Okta may send it itself')));
      list.append(card);
    }
  }

  function renderFaults() {
    const active = JSON.stringify(faults);
    for (const b of document.querySelectorAll('[data-fault]')) {
      const f = JSON.parse(b.dataset.fault); const key = Object.keys(f)[0];
      b.classList.toggle('on', JSON.stringify(faults[key]) === JSON.stringify(f[key]));
    }
    document.getElementById('fault-state').textContent = active === '{}' ? 'none' : active;
  }

  async function refresh() {
    try {
      const [outbox, dlq, refused, f] = await Promise.all(['/_local/outbox', '/_local/dlq', '/_local/refusals', '/_local/faults'].map((u) => fetch(u).then((r) => r.json())));
      renderOutbox(outbox.messages); renderDlq(dlq.messages); renderRefused(refused.refusals); faults = f; renderFaults();
    } catch {}
  }

  function show(which) {
    tab = which;
    for (const name of ['outbox', 'dlq', 'refused']) {
      document.getElementById(name).hidden = name !== which;
      document.getElementById('tab-' + name).setAttribute('aria-selected', String(name === which));
    }
  }
  document.getElementById('tab-outbox').onclick = () => show('outbox');
  document.getElementById('tab-dlq').onclick = () => show('dlq');
  document.getElementById('tab-refused').onclick = () => show('refused');
  for (const b of document.querySelectorAll('[data-fault]')) {
    b.onclick = async () => {
      const f = JSON.parse(b.dataset.fault); const key = Object.keys(f)[0];
      const on = JSON.stringify(faults[key]) === JSON.stringify(f[key]);
      await fetch('/_local/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(on ? { [key]: null } : f) });
      refresh();
    };
  }
  document.getElementById('clear-faults').onclick = async () => { await fetch('/_local/faults', { method: 'DELETE' }); refresh(); };
  document.getElementById('clear-outbox').onclick = async () => { await fetch('/_local/outbox', { method: 'DELETE' }); refresh(); };
  document.getElementById('clear-dlq').onclick = async () => { await fetch('/_local/dlq', { method: 'DELETE' }); refresh(); };
  document.getElementById('clear-refused').onclick = async () => { await fetch('/_local/refusals', { method: 'DELETE' }); refresh(); };
  refresh();
  document.getElementById('show-codes').onchange = (event) => { showCodes = event.target.checked; refresh(); };
  setInterval(refresh, 1500);
</script>
</body>
</html>`;
}
