// Package redisconn turns REDIS_URL into a go-redis client: one server, a
// Redis Cluster or a master behind Redis Sentinel. It is the one place
// kbbot makes a Redis client from configuration (app, kbbot import, and
// the tests' redistest); `kbbot chat` without REDIS_URL uses an embedded
// server instead.
package redisconn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Topology is the kind of Redis deployment a REDIS_URL names.
type Topology string

// The topologies Parse knows.
const (
	// Single is one Redis server (redis://, rediss://, unix://).
	Single Topology = "single"
	// Cluster is a Redis Cluster, named by seed nodes:
	// redis://host1:port1?addr=host2:port2&addr=host3:port3.
	Cluster Topology = "cluster"
	// Sentinel is a master found through Redis Sentinel:
	// redis+sentinel://[:password@]host:port[,host:port]/mastername[/db].
	Sentinel Topology = "sentinel"
)

// Options is a parsed REDIS_URL: its topology and the go-redis
// options of that topology (only the one matching Topology is set).
type Options struct {
	Topology Topology
	Single   *redis.Options
	Cluster  *redis.ClusterOptions
	Failover *redis.FailoverOptions
}

// Parse parses the three forms of REDIS_URL:
//
//   - one server: redis://[[user]:password@]host:port[/db], rediss:// for
//     TLS, or unix:///path/to/redis.sock (go-redis's redis.ParseURL);
//   - a Redis Cluster: redis://[[user]:password@]host1:port1?addr=host2:port2&addr=host3:port3
//     (go-redis's redis.ParseClusterURL; every addr is a seed, the client
//     learns the rest of the cluster from them; a cluster has database 0
//     only);
//   - Redis Sentinel: redis+sentinel://[[user]:password@]host:port[,host:port...]/mastername[/db]
//     (rediss+sentinel:// for TLS, the master's certificate checked against
//     the first sentinel's host name): the hosts are the sentinels, the
//     user and password those of the master; ?sentinel_password= gives the
//     sentinels' password when they have one.
//
// Errors say what is wrong without repeating the URL, which may hold a
// password.
func Parse(raw string) (Options, error) {
	raw = strings.TrimSpace(raw)
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return Options{}, errors.New("not a URL: want redis://host:port[/db], redis://host1:port1?addr=host2:port2 (cluster) or redis+sentinel://host:port[,host:port]/mastername[/db]")
	}
	switch scheme {
	case "redis+sentinel", "rediss+sentinel":
		return parseSentinelURL(scheme == "rediss+sentinel", rest)
	case "redis", "rediss", "unix":
	default:
		return Options{}, fmt.Errorf("unknown scheme %q: want redis, rediss, unix, redis+sentinel or rediss+sentinel", scheme)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Options{}, fmt.Errorf("not a valid URL: %w", urlErr(err))
	}
	if scheme != "unix" && u.Host == "" {
		return Options{}, errors.New("no host: want e.g. redis://127.0.0.1:6379/0")
	}
	if scheme != "unix" && u.Query().Has("addr") {
		if p := strings.Trim(u.Path, "/"); p != "" && p != "0" {
			return Options{}, fmt.Errorf("database %q in a cluster URL: a Redis Cluster has database 0 only", p)
		}
		u.Path = ""
		for _, a := range u.Query()["addr"] {
			if _, _, err := net.SplitHostPort(a); err != nil {
				return Options{}, fmt.Errorf("cluster seed addr=%q: want host:port", a)
			}
		}
		o, err := redis.ParseClusterURL(u.String())
		if err != nil {
			return Options{}, fmt.Errorf("cluster URL: %w", urlErr(err))
		}
		return Options{Topology: Cluster, Cluster: o}, nil
	}
	o, err := redis.ParseURL(raw)
	if err != nil {
		return Options{}, fmt.Errorf("%w", urlErr(err))
	}
	return Options{Topology: Single, Single: o}, nil
}

// parseSentinelURL parses what follows "redis+sentinel://".
func parseSentinelURL(useTLS bool, rest string) (Options, error) {
	rest, query, _ := strings.Cut(rest, "?")
	var user, pass string
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		info := rest[:at]
		rest = rest[at+1:]
		u, p, hasPass := strings.Cut(info, ":")
		var err error
		if user, err = url.PathUnescape(u); err != nil {
			return Options{}, errors.New("sentinel URL: the user name is not validly escaped")
		}
		if hasPass {
			if pass, err = url.PathUnescape(p); err != nil {
				return Options{}, errors.New("sentinel URL: the password is not validly escaped")
			}
		}
	}
	hosts, path, _ := strings.Cut(rest, "/")
	if hosts == "" {
		return Options{}, errors.New("sentinel URL: no sentinel host: want redis+sentinel://host:port[,host:port]/mastername[/db]")
	}
	var addrs []string
	for _, h := range strings.Split(hosts, ",") {
		h = strings.TrimSpace(h)
		if _, _, err := net.SplitHostPort(h); err != nil {
			if strings.Contains(h, ":") && !strings.HasPrefix(h, "[") {
				return Options{}, fmt.Errorf("sentinel URL: sentinel %q: want host:port", h)
			}
			h = net.JoinHostPort(strings.Trim(h, "[]"), "26379")
		}
		addrs = append(addrs, h)
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if parts[0] == "" {
		return Options{}, errors.New("sentinel URL: no master name: want redis+sentinel://host:port[,host:port]/mastername[/db]")
	}
	if len(parts) > 2 {
		return Options{}, errors.New("sentinel URL: too many path parts: want /mastername[/db]")
	}
	o := &redis.FailoverOptions{MasterName: parts[0], SentinelAddrs: addrs, Username: user, Password: pass}
	if len(parts) == 2 {
		db, err := strconv.Atoi(parts[1])
		if err != nil || db < 0 {
			return Options{}, fmt.Errorf("sentinel URL: database %q: want a number", parts[1])
		}
		o.DB = db
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return Options{}, errors.New("sentinel URL: the query is not valid")
	}
	for k, v := range q {
		switch k {
		case "sentinel_password":
			o.SentinelPassword = v[len(v)-1]
		case "sentinel_username":
			o.SentinelUsername = v[len(v)-1]
		default:
			return Options{}, fmt.Errorf("sentinel URL: unknown parameter %q: known are sentinel_password and sentinel_username", k)
		}
	}
	if useTLS {
		// The master's address is learnt from the sentinels; its
		// certificate is checked against the first sentinel's host name.
		host, _, _ := net.SplitHostPort(addrs[0])
		o.TLSConfig = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	return Options{Topology: Sentinel, Failover: o}, nil
}

// urlErr drops the URL from url.Parse's errors: it may hold a password.
func urlErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// NewClient returns a client of the topology, not yet connected.
func (o Options) NewClient() redis.UniversalClient {
	switch o.Topology {
	case Cluster:
		return redis.NewClusterClient(o.Cluster)
	case Sentinel:
		return redis.NewFailoverClient(o.Failover)
	default:
		if o.Single.Dialer == nil && o.Single.TLSConfig == nil {
			o.Single.Dialer = checkedDialer(redis.NewDialer(o.Single))
		}
		return redis.NewClient(o.Single)
	}
}

// ErrClusterNode is returned by Open and CheckTopology when a URL of one
// server names a node of a Redis Cluster: every command for a key of
// another node would fail with MOVED.
var ErrClusterNode = errors.New("REDIS_URL names one node of a Redis Cluster; list its nodes instead: redis://host1:port1?addr=host2:port2&addr=host3:port3")

// Open parses rawURL (see Parse), connects, and checks that the
// server answers and that a single-server URL does not name a node of a
// Redis Cluster (ErrClusterNode).
func Open(ctx context.Context, rawURL string) (redis.UniversalClient, error) {
	o, err := Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	rdb := o.NewClient()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		return nil, fmt.Errorf("cannot reach Redis (%s) at REDIS_URL: %w", o.Topology, err)
	}
	if err := CheckTopology(ctx, rdb); err != nil {
		_ = rdb.Close()
		return nil, err
	}
	return rdb, nil
}

// CheckTopology returns ErrClusterNode when rdb is a client of one server
// (not a cluster client) and that server has cluster mode on. A server
// that refuses INFO passes.
func CheckTopology(ctx context.Context, rdb redis.UniversalClient) error {
	if _, ok := rdb.(*redis.ClusterClient); ok {
		return nil
	}
	info, err := rdb.Info(ctx, "cluster").Result()
	if err != nil {
		return nil
	}
	if strings.Contains(info, "cluster_enabled:1") {
		return ErrClusterNode
	}
	return nil
}
