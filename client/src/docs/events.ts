/** The AsyncAPI document's Socket.IO events as a table: namespace, direction, event, payload, acknowledgement. */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null;
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

function h(tag: string, text?: string, cls?: string): HTMLElement {
  const el = document.createElement(tag);
  if (text !== undefined) el.textContent = text;
  if (cls) el.className = cls;
  return el;
}

/** "SessionView", "{id}", "none": a one-glance name for a payload schema. */
function shape(schema: unknown): string {
  if (!isObj(schema)) return '';
  if (typeof schema.$ref === 'string') return schema.$ref.split('/').pop() ?? '';
  if (schema.type === 'null') return 'none';
  if (Array.isArray(schema.oneOf)) return schema.oneOf.map(shape).join(' | ');
  if (isObj(schema.properties)) return `{${Object.keys(schema.properties).join(', ')}}`;
  return typeof schema.type === 'string' ? schema.type : 'object';
}

function resolve(doc: Obj, ref: unknown): Obj | null {
  if (!isObj(ref) || typeof ref.$ref !== 'string') return null;
  let node: unknown = doc;
  for (const part of ref.$ref.replace(/^#\//, '').split('/')) node = isObj(node) ? node[part] : undefined;
  return isObj(node) ? node : null;
}

export function renderEvents(doc: unknown): void {
  if (!isObj(doc) || !isObj(doc.operations) || !isObj(doc.info)) throw new Error('not an AsyncAPI document');
  document.getElementById('events-intro')!.textContent = typeof doc.info.description === 'string' ? doc.info.description : '';
  const table = h('table');
  const head = h('tr');
  for (const title of ['Namespace', 'Direction', 'Event', 'Payload', 'Acknowledgement', 'What it is']) head.append(h('th', title));
  table.append(head);
  for (const op of Object.values(doc.operations)) {
    if (!isObj(op)) continue;
    const channel = resolve(doc, op.channel);
    const message = resolve(doc, Array.isArray(op.messages) ? op.messages[0] : null);
    const reply = isObj(op.reply) && Array.isArray(op.reply.messages) ? resolve(doc, op.reply.messages[0]) : null;
    const row = h('tr');
    row.dataset.event = text(message?.name);
    row.append(
      h('td', text(channel?.address), 'mono'),
      h('td', op.action === 'send' ? 'client → server' : 'server → client'),
      h('td', text(message?.name), 'mono'),
      h('td', shape(message?.payload), 'mono'),
      h('td', reply ? shape(reply.payload) : '—', 'mono'),
      h('td', text(op.summary)),
    );
    table.append(row);
  }
  document.getElementById('events')!.replaceChildren(table);
}
