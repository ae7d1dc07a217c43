// Choices offered by the forms (providers, number types, ...) come from the server's own OpenAPI
// document, so the dashboard never keeps a second list that could drift from what the API accepts.

let doc = null;

function openApi() {
  if (!doc) doc = fetch('/v1/openapi.json', { credentials: 'same-origin' }).then(r => (r.ok ? r.json() : {})).catch(() => ({}));
  return doc;
}

function resolve(root, node) {
  let n = node;
  while (n && n.$ref) n = n.$ref.replace(/^#\//, '').split('/').reduce((o, k) => (o ? o[k] : undefined), root);
  return n;
}

/**
 * The schema at a dotted path through properties, from a component: schemaAt('AssistantConfig',
 * 'voice.provider'). References are followed, and a nullable oneOf stands for its object branch.
 */
export async function schemaAt(component, path) {
  const root = await openApi();
  let node = resolve(root, root.components?.schemas?.[component]);
  for (const key of path ? path.split('.') : []) {
    if (node && node.oneOf) node = resolve(root, node.oneOf.find(b => b.type !== 'null' && b.$ref) || node.oneOf[0]);
    node = resolve(root, node?.properties?.[key]);
  }
  return node || null;
}

/** The values the API accepts there ([] when the document does not say). */
export async function enumOf(component, path) {
  const s = await schemaAt(component, path);
  const values = s?.enum || s?.items?.enum || [];
  return values.filter(v => v !== null);
}
