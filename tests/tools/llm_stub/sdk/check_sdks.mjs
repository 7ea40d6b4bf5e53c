// Drives leadscout-llm-stub with the official OpenAI and Anthropic SDKs: they must parse its
// answers, and its 429s must surface as their RateLimitError.
//   node check_sdks.mjs http://127.0.0.1:PORT
// The stub must run with --rpm 1, so that each key's second call is refused.
import assert from 'node:assert/strict';
import OpenAI from 'openai';
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

try {
  await checkOpenAi();
  await checkAnthropic();
} catch (err) {
  console.error(err);
  process.exit(1);
}
