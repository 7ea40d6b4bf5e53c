// The Lua scripts of the shared quota buckets. Each runs atomically on the server and reads the
// server's clock (Redis 7 replicates script effects, so TIME is allowed before writes).
//
// Reservations: "<key>:res" maps each holder (one process) to the estimated cost of its permits
// in flight, and the sorted set "<key>:live" gives each holder's expiry, pushed on by every
// script and by the holder's heartbeat. A holder that dies stops pushing, and the next script
// after its expiry drops its reservations.
#include <string>

#include "quota_redis.hpp"

namespace leadscout::batch::detail {

namespace {

// Defines now, the holder's ARGV (holder, ttl_ms, held), purge_dead() and restate(held): the
// caller states its own reservations in full each time, so a lost update heals on the next one.
const char* const reservations_lua = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local res, live = KEYS[1] .. ':res', KEYS[1] .. ':live'
local function purge_dead()
  local dead = redis.call('ZRANGEBYSCORE', live, '-inf', now)
  for _, d in ipairs(dead) do redis.call('HDEL', res, d) end
  if #dead > 0 then redis.call('ZREMRANGEBYSCORE', live, '-inf', now) end
end
local function others_reserved(holder)
  local all, sum = redis.call('HGETALL', res), 0
  for i = 1, #all, 2 do
    if all[i] ~= holder then sum = sum + (tonumber(all[i + 1]) or 0) end
  end
  return sum
end
local function restate(holder, ttl, held)
  if held > 1e-12 then
    redis.call('HSET', res, holder, held)
    redis.call('ZADD', live, now + ttl, holder)
    redis.call('PEXPIRE', res, 86400000)
    redis.call('PEXPIRE', live, 86400000)
  else
    redis.call('HDEL', res, holder)
    redis.call('ZREM', live, holder)
  end
end
)lua";

// KEYS[1]: the quota's hash. ARGV: rpm, tpm, burst_seconds, tokens, budget_usd, cost_usd,
// holder, ttl_ms, held_usd (the holder's reservations before this permit), own_spent_usd (the
// holder's own spend, earlier runs included: a floor for the operation's).
// Returns {status (1 granted, 2 wait, 3 never), wait_ms, overloads, spent, requests and tokens of
// the last minute, every holder's reservations}. The buckets refill continuously; an empty hash
// starts full. Other holders' reservations that could still be released make a permit wait.
const char* const take_lua = R"lua(
local rpm, tpm, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local need, budget, cost = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local holder, ttl, held, own = ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local h = redis.call('HMGET', KEYS[1], 'req', 'tok', 'ts', 'cool', 'spent', 'overloads')
local rcap = math.max(1, rpm * burst / 60)
local tcap = math.max(1, tpm * burst / 60)
local dt = math.max(0, now - (tonumber(h[3]) or now)) / 60000
local req = math.min(rcap, (tonumber(h[1]) or rcap) + dt * rpm)
local tok = math.min(tcap, (tonumber(h[2]) or tcap) + dt * tpm)
local cool = tonumber(h[4]) or 0
local spent = math.max(tonumber(h[5]) or 0, own)
purge_dead()
local reserved = others_reserved(holder) + held
local status, wait = 1, 0
if budget > 0 and spent + cost > budget + 1e-9 then
  status = 3
else
  if cool > now then wait = cool - now end
  if rpm > 0 and req < 1 then wait = math.max(wait, math.ceil((1 - req) * 60000 / rpm)) end
  local want = math.min(need, tcap)
  if tpm > 0 and tok < want then wait = math.max(wait, math.ceil((want - tok) * 60000 / tpm)) end
  if budget > 0 and cost > 0 and spent + reserved + cost > budget + 1e-9 then
    wait = math.max(wait, math.min(50, ttl))
  end
  if wait > 0 then status = 2 end
end
local slot = math.floor(now / 5000)
if status == 1 then
  if rpm > 0 then req = req - 1 end
  if tpm > 0 then tok = tok - need end
  if budget > 0 and cost > 0 then
    held = held + cost
    reserved = reserved + cost
  end
  local wk = KEYS[1] .. ':w:' .. slot
  redis.call('HINCRBY', wk, 'r', 1)
  redis.call('HINCRBYFLOAT', wk, 't', need)
  redis.call('PEXPIRE', wk, 70000)
end
restate(holder, ttl, held)
redis.call('HSET', KEYS[1], 'req', req, 'tok', tok, 'ts', now)
redis.call('PEXPIRE', KEYS[1], 86400000)
local r, tk = 0, 0
for i = slot - 11, slot do
  local v = redis.call('HMGET', KEYS[1] .. ':w:' .. i, 'r', 't')
  r = r + (tonumber(v[1]) or 0)
  tk = tk + (tonumber(v[2]) or 0)
end
return {status, wait, tonumber(redis.call('HGET', KEYS[1], 'overloads') or 0), tostring(spent), tostring(r),
        tostring(tk), tostring(reserved)}
)lua";

// KEYS[1]: the quota's hash. ARGV: extra_tokens, tpm, burst_seconds, cost_usd, holder, ttl_ms,
// held_usd (the holder's reservations left). The spend and the released reservation change in
// one step, so no other shard sees the budget free twice. Returns nothing.
const char* const settle_lua = R"lua(
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
restate(ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]))
redis.call('PEXPIRE', KEYS[1], 86400000)
return 1
)lua";

}  // namespace

const std::string redis_take_script = std::string(reservations_lua) + take_lua;
const std::string redis_settle_script = std::string(reservations_lua) + settle_lua;

// KEYS: the "<key>:live" sets of a holder's quotas. ARGV: holder, ttl_ms. Pushes the holder's
// expiry on where it holds reservations; never creates an entry.
const std::string redis_heartbeat_script = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for _, k in ipairs(KEYS) do redis.call('ZADD', k, 'XX', now + tonumber(ARGV[2]), ARGV[1]) end
return 1
)lua";

// KEYS[1]: the quota's hash. ARGV: delay_ms. Every shard waits until the server's now + delay;
// returns the new overload count.
const std::string redis_cooldown_script = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cool = tonumber(redis.call('HGET', KEYS[1], 'cool')) or 0
redis.call('HSET', KEYS[1], 'cool', math.max(cool, now + tonumber(ARGV[1])))
redis.call('PEXPIRE', KEYS[1], 86400000)
return redis.call('HINCRBY', KEYS[1], 'overloads', 1)
)lua";

}  // namespace leadscout::batch::detail
