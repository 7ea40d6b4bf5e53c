// The Lua scripts of the shared quota buckets. Each runs atomically on the server and reads the
// server's clock (Redis 7 replicates script effects, so TIME is allowed before writes).
#include "quota_redis.hpp"

namespace leadscout::batch::detail {

// KEYS[1]: the quota's hash. ARGV: rpm, tpm, burst_seconds, tokens, budget_usd, cost_usd.
// Returns {status (1 granted, 2 wait, 3 never), wait_ms, overloads, spent, requests and tokens of
// the last minute}. The buckets refill continuously; an empty hash starts full.
const char* const redis_take_script = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rpm, tpm, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local need, budget, cost = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local h = redis.call('HMGET', KEYS[1], 'req', 'tok', 'ts', 'cool', 'spent', 'overloads')
local rcap = math.max(1, rpm * burst / 60)
local tcap = math.max(1, tpm * burst / 60)
local dt = math.max(0, now - (tonumber(h[3]) or now)) / 60000
local req = math.min(rcap, (tonumber(h[1]) or rcap) + dt * rpm)
local tok = math.min(tcap, (tonumber(h[2]) or tcap) + dt * tpm)
local cool = tonumber(h[4]) or 0
local spent = tonumber(h[5]) or 0
local status, wait = 1, 0
if budget > 0 and spent + cost > budget + 1e-9 then
  status = 3
else
  if cool > now then wait = cool - now end
  if rpm > 0 and req < 1 then wait = math.max(wait, math.ceil((1 - req) * 60000 / rpm)) end
  local want = math.min(need, tcap)
  if tpm > 0 and tok < want then wait = math.max(wait, math.ceil((want - tok) * 60000 / tpm)) end
  if wait > 0 then status = 2 end
end
local slot = math.floor(now / 5000)
if status == 1 then
  if rpm > 0 then req = req - 1 end
  if tpm > 0 then tok = tok - need end
  local wk = KEYS[1] .. ':w:' .. slot
  redis.call('HINCRBY', wk, 'r', 1)
  redis.call('HINCRBYFLOAT', wk, 't', need)
  redis.call('PEXPIRE', wk, 70000)
end
redis.call('HSET', KEYS[1], 'req', req, 'tok', tok, 'ts', now)
redis.call('PEXPIRE', KEYS[1], 86400000)
local r, tk = 0, 0
for i = slot - 11, slot do
  local v = redis.call('HMGET', KEYS[1] .. ':w:' .. i, 'r', 't')
  r = r + (tonumber(v[1]) or 0)
  tk = tk + (tonumber(v[2]) or 0)
end
return {status, wait, tonumber(redis.call('HGET', KEYS[1], 'overloads') or 0), tostring(spent), tostring(r), tostring(tk)}
)lua";

// KEYS[1]: the quota's hash. ARGV: extra_tokens, tpm, burst_seconds, cost_usd. Returns nothing.
const char* const redis_settle_script = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local extra, tpm, burst, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local tok = tonumber(redis.call('HGET', KEYS[1], 'tok'))
if tpm > 0 and tok and extra ~= 0 then
  redis.call('HSET', KEYS[1], 'tok', math.min(math.max(1, tpm * burst / 60), tok - extra))
end
if extra ~= 0 then
  local wk = KEYS[1] .. ':w:' .. math.floor(now / 5000)
  redis.call('HINCRBYFLOAT', wk, 't', extra)
  redis.call('PEXPIRE', wk, 70000)
end
if cost > 0 then redis.call('HINCRBYFLOAT', KEYS[1], 'spent', cost) end
redis.call('PEXPIRE', KEYS[1], 86400000)
return 1
)lua";

// KEYS[1]: the quota's hash. ARGV: delay_ms. Every shard waits until the server's now + delay;
// returns the new overload count.
const char* const redis_cooldown_script = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cool = tonumber(redis.call('HGET', KEYS[1], 'cool')) or 0
redis.call('HSET', KEYS[1], 'cool', math.max(cool, now + tonumber(ARGV[1])))
redis.call('PEXPIRE', KEYS[1], 86400000)
return redis.call('HINCRBY', KEYS[1], 'overloads', 1)
)lua";

}  // namespace leadscout::batch::detail
