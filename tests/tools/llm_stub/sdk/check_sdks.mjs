// Drives leadscout-llm-stub with the official OpenAI and Anthropic SDKs: they must parse its
// answers, send it structured-output (OpenAI json_schema) and forced-tool (Anthropic) requests
// and read the answers as JSON and tool input, and its 429s must surface as their RateLimitError.
// They must also create, poll and read batches: OpenAI's files and batches, Anthropic's
// messages.batches. Each check prints a line "ok: ..." that the C++ test looks for.
//   node check_sdks.mjs http://127.0.0.1:PORT
// The stub must run with --rpm 1, so that each key's second call is refused (every other
// check uses a key of its own), and with a --batch-seconds of 1 or 2, so that a batch is
// polled before it ends.
import assert from 'node:assert/strict';
import OpenAI, { toFile } from 'openai';
import Anthropic from '@anthropic-ai/sdk';

const base = process.argv[2];
if (!base) {
  console.error('usage: node check_sdks.mjs BASE_URL');
  process.exit(2);
}

const prompt = (name) => `Classify the origin of this lead's name. Answer JSON.\nName: ${name}`;

/** The model's JSON answer, out of its Markdown code fence if it has one. */
function parseAnswer(text) {
  const fenced = /^```(?:json)?\n([\s\S]*)\n```$/.exec(text);
  const answer = JSON.parse(fenced ? fenced[1] : text);
  assert.equal(typeof answer.label, 'string');
  assert.equal(typeof answer.confidence, 'number');
  return answer;
}

/** The demo's answer as a JSON Schema, in the subset OpenAI's strict mode accepts. */
const labelSchema = {
  type: 'object',
  properties: { label: { type: 'string' }, confidence: { type: 'number' } },
  required: ['label', 'confidence'],
  additionalProperties: false,
};

/** Checks `value` against labelSchema: an object with the required fields of their types, no others. */
function checkLabelSchema(value, what) {
  assert.equal(typeof value, 'object', `${what}: not an object`);
  assert.notEqual(value, null, `${what}: null`);
  for (const field of labelSchema.required) assert.ok(field in value, `${what}: ${field} is missing`);
  for (const [field, v] of Object.entries(value)) {
    const spec = labelSchema.properties[field];
    assert.ok(spec, `${what}: unexpected field ${field}`);
    assert.equal(typeof v, spec.type, `${what}: ${field} is not a ${spec.type}`);
  }
  return value;
}

function header(headers, name) {
  return typeof headers?.get === 'function' ? headers.get(name) : headers?.[name];
}

/** Awaits `call`, which must fail with `ErrorClass` and status 429 carrying retry-after. */
async function expectRateLimited(call, ErrorClass, what) {
  await assert.rejects(call, (err) => {
    assert.ok(err instanceof ErrorClass, `${what}: ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.status, 429);
    assert.ok(Number(header(err.headers, 'retry-after')) >= 1, `${what}: retry-after`);
    return true;
  });
  console.log(`ok: ${what} 429 is ${ErrorClass.name}`);
}

async function checkOpenAi() {
  const client = new OpenAI({ apiKey: 'sk-sdk-openai', baseURL: `${base}/v1`, maxRetries: 0, timeout: 5000 });
  const request = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt('Thabo Dlamini') }] };
  const { data, response } = await client.chat.completions.create(request).withResponse();
  assert.equal(data.object, 'chat.completion');
  assert.equal(data.model, 'gpt-4o-mini');
  assert.equal(data.choices[0].finish_reason, 'stop');
  assert.equal(parseAnswer(data.choices[0].message.content).label, 'african');
  assert.equal(data.usage.total_tokens, data.usage.prompt_tokens + data.usage.completion_tokens);
  assert.equal(response.headers.get('x-ratelimit-limit-requests'), '1');
  console.log('ok: openai chat.completions.create');
  await expectRateLimited(client.chat.completions.create(request), OpenAI.RateLimitError, 'openai');
}

async function checkAnthropic() {
  const request = {
    model: 'claude-3-haiku',
    max_tokens: 100,
    messages: [{ role: 'user', content: prompt('John Smith') }],
  };
  // apiKey travels as x-api-key, authToken as authorization: Bearer; the stub takes both.
  const byKey = new Anthropic({ apiKey: 'sk-sdk-ant-1', baseURL: base, maxRetries: 0, timeout: 5000 });
  const byToken = new Anthropic({ authToken: 'sk-sdk-ant-2', apiKey: null, baseURL: base, maxRetries: 0, timeout: 5000 });
  for (const [client, what] of [[byKey, 'x-api-key'], [byToken, 'bearer']]) {
    const message = await client.messages.create(request);
    assert.equal(message.type, 'message');
    assert.equal(message.role, 'assistant');
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.content[0].type, 'text');
    assert.equal(parseAnswer(message.content[0].text).label, 'english');
    assert.ok(message.usage.input_tokens > 0 && message.usage.output_tokens > 0);
    console.log(`ok: anthropic messages.create (${what})`);
  }
  await expectRateLimited(byKey.messages.create(request), Anthropic.RateLimitError, 'anthropic');
}

async function checkOpenAiStructured() {
  const client = new OpenAI({ apiKey: 'sk-sdk-openai-schema', baseURL: `${base}/v1`, maxRetries: 0, timeout: 5000 });
  const request = {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You classify the origin of names.' },
      { role: 'user', content: prompt('Thabo Dlamini') },
    ],
    max_tokens: 64,
    response_format: { type: 'json_schema', json_schema: { name: 'lead_label', strict: true, schema: labelSchema } },
  };
  const completion = await client.chat.completions.create(request);
  const message = completion.choices[0].message;
  assert.equal(message.refusal ?? null, null);
  // Structured output is the JSON itself: no code fence, no prose.
  const answer = checkLabelSchema(JSON.parse(message.content), 'openai json_schema content');
  assert.equal(answer.label, 'african');
  assert.equal(completion.choices[0].finish_reason, 'stop');
  console.log('ok: openai chat.completions.create with response_format json_schema');
  // The SDK's own parsing of a json_schema answer, where this version has it.
  if (typeof client.chat.completions.parse === 'function') {
    const other = new OpenAI({ apiKey: 'sk-sdk-openai-parse', baseURL: `${base}/v1`, maxRetries: 0, timeout: 5000 });
    const parsed = await other.chat.completions.parse(request);
    assert.deepEqual(checkLabelSchema(parsed.choices[0].message.parsed, 'openai parsed'), answer);
    console.log('ok: openai chat.completions.parse with response_format json_schema');
  }
}

async function checkAnthropicTool() {
  const client = new Anthropic({ apiKey: 'sk-sdk-ant-tool', baseURL: base, maxRetries: 0, timeout: 5000 });
  const message = await client.messages.create({
    model: 'claude-3-haiku',
    max_tokens: 100,
    system: 'You classify the origin of names.',
    messages: [{ role: 'user', content: prompt('John Smith') }],
    tools: [{ name: 'record_label', description: 'Record the label of the name.', input_schema: labelSchema }],
    tool_choice: { type: 'tool', name: 'record_label' },
  });
  assert.equal(message.type, 'message');
  assert.equal(message.stop_reason, 'tool_use');
  const block = message.content.find((b) => b.type === 'tool_use');
  assert.ok(block, `no tool_use block in ${JSON.stringify(message.content)}`);
  assert.equal(block.name, 'record_label');
  assert.match(block.id, /^toolu_/);
  assert.equal(checkLabelSchema(block.input, 'anthropic tool_use input').label, 'english');
  assert.ok(message.usage.input_tokens > 0 && message.usage.output_tokens > 0);
  console.log('ok: anthropic messages.create with a forced tool');
}

/** Retrieves with `get` every 100 ms until `done` holds, for at most 10 s; the statuses seen. */
async function poll(get, status, done) {
  const seen = [];
  const deadline = Date.now() + 10000;
  for (;;) {
    const batch = await get();
    if (seen.at(-1) !== status(batch)) seen.push(status(batch));
    if (done(batch)) return { batch, seen };
    assert.ok(Date.now() < deadline, `the batch did not end: ${JSON.stringify(batch)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const batchLeads = [['lead-1', 'Thabo Dlamini'], ['lead-2', 'John Smith']];

async function checkOpenAiBatch() {
  const client = new OpenAI({ apiKey: 'sk-sdk-openai-batch', baseURL: `${base}/v1`, maxRetries: 0, timeout: 5000 });
  const lines = batchLeads.map(([id, name]) => JSON.stringify({
    custom_id: id,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt(name) }] },
  }));
  const file = await client.files.create({
    file: await toFile(Buffer.from(lines.join('\n') + '\n'), 'leads.jsonl'),
    purpose: 'batch',
  });
  assert.equal(file.purpose, 'batch');
  assert.equal((await client.files.retrieve(file.id)).filename, 'leads.jsonl');
  const created = await client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
    metadata: { run: 'sdk', chunk: '0' },
  });
  assert.equal(created.object, 'batch');
  // Found again by its metadata, as a client that lost its id would look for it.
  const listed = [];
  for await (const batch of client.batches.list({ limit: 10 })) listed.push(batch);
  assert.equal(listed.find((b) => b.metadata?.run === 'sdk')?.id, created.id);
  const { batch, seen } = await poll(() => client.batches.retrieve(created.id), (b) => b.status,
    (b) => ['completed', 'failed', 'expired', 'cancelled'].includes(b.status));
  assert.equal(batch.status, 'completed', JSON.stringify(batch));
  assert.ok(seen.length > 1, `polled only ${seen}`);
  assert.deepEqual(batch.request_counts, { total: 2, completed: 2, failed: 0 });
  const output = await (await client.files.content(batch.output_file_id)).text();
  const rows = output.trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(rows.map((r) => r.custom_id), ['lead-1', 'lead-2']);
  assert.equal(rows[0].response.status_code, 200);
  assert.equal(parseAnswer(rows[0].response.body.choices[0].message.content).label, 'african');
  assert.ok(rows[1].response.body.usage.total_tokens > 0);
  console.log(`ok: openai files and batches (${seen.join(' -> ')})`);
}

async function checkAnthropicBatch() {
  const client = new Anthropic({ apiKey: 'sk-sdk-ant-batch', baseURL: base, maxRetries: 0, timeout: 5000 });
  const created = await client.messages.batches.create({
    requests: batchLeads.map(([id, name]) => ({
      custom_id: id,
      params: { model: 'claude-3-haiku', max_tokens: 100, messages: [{ role: 'user', content: prompt(name) }] },
    })),
  });
  assert.equal(created.type, 'message_batch');
  const { batch, seen } = await poll(() => client.messages.batches.retrieve(created.id),
    (b) => b.processing_status, (b) => b.processing_status === 'ended');
  assert.ok(seen.length > 1, `polled only ${seen}`);
  assert.equal(batch.request_counts.succeeded, 2);
  const results = [];
  for await (const row of await client.messages.batches.results(created.id)) results.push(row);
  assert.deepEqual(results.map((r) => r.custom_id), ['lead-1', 'lead-2']);
  assert.equal(results[1].result.type, 'succeeded');
  assert.equal(parseAnswer(results[1].result.message.content[0].text).label, 'english');
  console.log(`ok: anthropic messages.batches (${seen.join(' -> ')})`);
}

try {
  await checkOpenAi();
  await checkAnthropic();
  await checkOpenAiStructured();
  await checkAnthropicTool();
  // Last: their rows are further calls for the same names, which would shift the plans above.
  // Side by side, so that their waits overlap.
  await Promise.all([checkOpenAiBatch(), checkAnthropicBatch()]);
} catch (err) {
  console.error(err);
  process.exit(1);
}
