// A small validator for the subset of OpenAPI 3.0 schema used by
// docs/openapi.yaml: $ref, allOf, type, nullable, enum, required, properties,
// additionalProperties: false, items, minItems/maxItems, minLength/maxLength,
// pattern, minimum/maximum, format date-time. Returns a list of problems.

function resolve(doc, ref) {
  if (!ref.startsWith('#/')) throw new Error(`external $ref not supported: ${ref}`);
  return ref.slice(2).split('/').reduce((acc, k) => acc?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
}

function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

export function validate(doc, schema, value, where = '$', out = []) {
  if (!schema) return out;
  if (schema.$ref) return validate(doc, resolve(doc, schema.$ref), value, where, out);
  if (schema.allOf) for (const s of schema.allOf) validate(doc, s, value, where, out);
  if (value === null) {
    if (!schema.nullable && schema.type) out.push(`${where}: null but not nullable`);
    return out;
  }
  if (schema.type) {
    const t = typeOf(value);
    const ok = t === schema.type || (schema.type === 'number' && t === 'integer');
    if (!ok) {
      out.push(`${where}: expected ${schema.type}, got ${t} (${JSON.stringify(value)?.slice(0, 80)})`);
      return out;
    }
  }
  if (schema.enum && !schema.enum.includes(value)) out.push(`${where}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) out.push(`${where}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) out.push(`${where}: longer than ${schema.maxLength}`);
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) out.push(`${where}: ${JSON.stringify(value)} !~ ${schema.pattern}`);
    if (schema.format === 'date-time' && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value)) {
      out.push(`${where}: ${JSON.stringify(value)} is not an RFC 3339 date-time`);
    }
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) out.push(`${where}: below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) out.push(`${where}: above ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) out.push(`${where}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) out.push(`${where}: more than ${schema.maxItems} items`);
    if (schema.items) value.forEach((v, i) => validate(doc, schema.items, v, `${where}[${i}]`, out));
  }
  if (typeOf(value) === 'object') {
    for (const k of schema.required ?? []) if (!(k in value)) out.push(`${where}: missing required "${k}"`);
    const props = schema.properties ?? {};
    for (const [k, v] of Object.entries(value)) {
      if (props[k]) validate(doc, props[k], v, `${where}.${k}`, out);
      else if (schema.additionalProperties === false) out.push(`${where}: unexpected property "${k}"`);
    }
  }
  return out;
}

// The schema of the documented response of an operation for this status
// (exact code, then 2XX-style, then default), after resolving response $refs.
export function responseSchema(doc, op, status, contentType = 'application/json') {
  let r = op.responses?.[String(status)] ?? op.responses?.[`${String(status)[0]}XX`] ?? op.responses?.default;
  if (!r) return undefined;
  if (r.$ref) r = resolve(doc, r.$ref);
  return r.content?.[contentType]?.schema ?? null;
}
