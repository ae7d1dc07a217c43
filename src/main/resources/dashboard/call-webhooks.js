// The call's webhook deliveries, each with its attempts, and a button to send one again now.
import { api, h, announce, notice, fmtTime, badge } from './core.js';

export class CallWebhooks {
  constructor(callId) {
    this.callId = callId;
    this.key = null;
    this.items = [];
    this.body = h('div', { class: 'deliveries' }, h('p', { class: 'help' }, 'Loading…'));
    this.el = this.body;
    /** Until when to keep looking for new attempts (after a re-send, or just after the call ended). */
    this.watchUntil = 0;
  }

  /** Whether another look is worth it: something is still to be sent, or was just asked for. */
  wanted(callIsFinal) {
    return !callIsFinal || Date.now() < this.watchUntil || this.items.some(d => d.state === 'pending');
  }

  watch(ms) {
    this.watchUntil = Math.max(this.watchUntil, Date.now() + ms);
  }

  /** @param focus the delivery whose Re-send button keeps the focus across a rebuild */
  async refresh(focus = document.activeElement?.dataset?.delivery) {
    const data = await api('GET', `/v1/admin/webhook-deliveries?call_id=${encodeURIComponent(this.callId)}&limit=100`);
    this.items = data.items.slice().reverse(); // oldest first: the order the events happened in
    const key = JSON.stringify(this.items);
    if (key === this.key) return;
    this.key = key;
    this.body.replaceChildren(...this.render());
    if (focus) this.body.querySelector(`button[data-delivery="${focus}"]`)?.focus();
  }

  render() {
    if (!this.items.length) {
      return [h('p', { class: 'help' }, 'No webhook deliveries for this call. Events are sent when the call or its workspace has a webhook URL (see Workspace).')];
    }
    return [h('ul', { class: 'delivery-list' }, this.items.map(d => this.delivery(d)))];
  }

  delivery(d) {
    const resend = h('button', { type: 'button', class: 'resend', dataset: { delivery: d.delivery_id },
      'aria-label': `Re-send ${d.event_type}` }, 'Re-send');
    resend.addEventListener('click', () => this.resend(d, resend));
    const attempts = d.attempt_log.length
      ? h('table', { class: 'responsive attempts' },
        h('caption', { class: 'sr-only' }, `Attempts to deliver ${d.event_type}`),
        h('thead', {}, h('tr', {}, ['Sent', 'Response', 'Error', 'Took'].map(c => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, d.attempt_log.map(a => h('tr', {},
          h('td', { 'data-label': 'Sent' }, h('time', { datetime: a.at }, fmtTime(a.at))),
          h('td', { 'data-label': 'Response' }, a.status_code === null ? 'no response' : `HTTP ${a.status_code}`),
          h('td', { 'data-label': 'Error' }, a.error || '—'),
          h('td', { 'data-label': 'Took' }, `${a.latency_ms} ms`)))))
      : h('p', { class: 'help' }, 'Not sent yet.');
    return h('li', { class: 'delivery card', dataset: { deliveryId: d.delivery_id } },
      h('div', { class: 'delivery-head' },
        h('code', { class: 'event' }, d.event_type),
        badge(d.state),
        h('span', { class: 'count' }, `${d.attempts} ${d.attempts === 1 ? 'attempt' : 'attempts'}`),
        d.state === 'pending' && d.next_attempt_at ? h('span', { class: 'muted' }, `next ${fmtTime(d.next_attempt_at)}`) : null,
        resend),
      h('p', { class: 'url' }, 'To ', h('span', { class: 'mono' }, d.url)),
      attempts);
  }

  /** aria-disabled rather than disabled while it works: a disabled button would drop the keyboard focus. */
  async resend(d, button) {
    if (button.getAttribute('aria-disabled') === 'true') return;
    button.setAttribute('aria-disabled', 'true');
    try {
      await api('POST', `/v1/admin/webhook-deliveries/${encodeURIComponent(d.delivery_id)}/retry`);
      announce(`${d.event_type} will be sent again now`);
      this.watch(30000);
      await this.refresh(d.delivery_id);
    } catch (e) {
      button.insertAdjacentElement('afterend', notice('error', `Could not re-send: ${e.message}`));
    } finally {
      button.removeAttribute('aria-disabled');
    }
  }
}
