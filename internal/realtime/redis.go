package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/centrifugal/centrifuge"
	"github.com/redis/go-redis/v9"
)

// useRedis switches the node to Redis for fan-out, history and presence, and
// the locks to Redis too.
func (h *Hub) useRedis() error {
	opt, err := redis.ParseURL(h.cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("realtime: redis url: %w", err)
	}
	shard, err := centrifuge.NewRedisShard(h.node, centrifuge.RedisShardConfig{
		Address:        opt.Addr,
		DB:             opt.DB,
		User:           opt.Username,
		Password:       opt.Password,
		TLSConfig:      opt.TLSConfig,
		ConnectTimeout: 5 * time.Second,
		IOTimeout:      5 * time.Second,
	})
	if err != nil {
		return fmt.Errorf("realtime: redis: %w", err)
	}
	broker, err := centrifuge.NewRedisBroker(h.node, centrifuge.RedisBrokerConfig{
		Prefix: h.cfg.RedisPrefix,
		Shards: []*centrifuge.RedisShard{shard},
	})
	if err != nil {
		shard.Close()
		return fmt.Errorf("realtime: redis broker: %w", err)
	}
	h.node.SetBroker(broker)
	pm, err := centrifuge.NewRedisPresenceManager(h.node, centrifuge.RedisPresenceManagerConfig{
		Prefix:      h.cfg.RedisPrefix,
		Shards:      []*centrifuge.RedisShard{shard},
		PresenceTTL: h.cfg.PresenceTTL,
	})
	if err != nil {
		shard.Close()
		return fmt.Errorf("realtime: redis presence: %w", err)
	}
	h.node.SetPresenceManager(pm)
	rc := redis.NewClient(opt)
	h.locks = &redisLocks{rc: rc, prefix: h.cfg.RedisPrefix + ":locks:", ttl: h.cfg.LockIdle + h.cfg.PresenceTTL}
	h.closers = append(h.closers, func() error { shard.Close(); return rc.Close() })
	return nil
}

// redisLocks keeps each item channel's locks in one Redis hash, field →
// record. Records carry their own expiry (a holder's node renews it with every
// draft); the hash as a whole expires when nobody touched it for ttl, which
// cleans up after a node that died.
type redisLocks struct {
	rc     *redis.Client
	prefix string
	ttl    time.Duration
}

// takeScript: KEYS[1] hash; ARGV field, client, record, now ms, hash ttl ms.
// Returns {taken 0|1, fresh 0|1, holder record}.
var takeScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local fresh = 1
if cur then
  local rec = cjson.decode(cur)
  if tonumber(rec.until_ms) > tonumber(ARGV[4]) then
    if rec.client ~= ARGV[2] then return {0, 0, cur} end
    fresh = 0
    local new = cjson.decode(ARGV[3])
    if not new.has_draft and rec.has_draft then
      new.text = rec.text
      new.base_version = rec.base_version
      new.has_draft = true
      ARGV[3] = cjson.encode(new)
    end
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {1, fresh, ARGV[3]}
`)

// releaseScript: KEYS[1] hash; ARGV field, client. Returns 1 if released.
var releaseScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return 0 end
local rec = cjson.decode(cur)
if rec.client ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
return 1
`)

func (s *redisLocks) take(ctx context.Context, channel string, rec lockRecord, now time.Time) (lockRecord, bool, bool, error) {
	raw, err := json.Marshal(rec)
	if err != nil {
		return lockRecord{}, false, false, err
	}
	res, err := takeScript.Run(ctx, s.rc, []string{s.prefix + channel},
		rec.Field, rec.Client, string(raw), strconv.FormatInt(now.UnixMilli(), 10),
		strconv.FormatInt(s.ttl.Milliseconds(), 10)).Slice()
	if err != nil {
		return lockRecord{}, false, false, fmt.Errorf("realtime: take lock: %w", err)
	}
	if len(res) != 3 {
		return lockRecord{}, false, false, fmt.Errorf("realtime: take lock: unexpected reply %v", res)
	}
	var holder lockRecord
	str, _ := res[2].(string)
	if err := json.Unmarshal([]byte(str), &holder); err != nil {
		return lockRecord{}, false, false, fmt.Errorf("realtime: take lock: %w", err)
	}
	taken, _ := res[0].(int64)
	fresh, _ := res[1].(int64)
	return holder, taken == 1, fresh == 1, nil
}

func (s *redisLocks) release(ctx context.Context, channel, field, client string) (bool, error) {
	n, err := releaseScript.Run(ctx, s.rc, []string{s.prefix + channel}, field, client).Int()
	if err != nil {
		return false, fmt.Errorf("realtime: release lock: %w", err)
	}
	return n == 1, nil
}

func (s *redisLocks) list(ctx context.Context, channel string, now time.Time) ([]lockRecord, error) {
	m, err := s.rc.HGetAll(ctx, s.prefix+channel).Result()
	if err != nil {
		return nil, fmt.Errorf("realtime: list locks: %w", err)
	}
	var out []lockRecord
	for _, v := range m {
		var r lockRecord
		if json.Unmarshal([]byte(v), &r) == nil && r.UntilMS > now.UnixMilli() {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out, nil
}
