package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/centrifugal/protocol"
	"github.com/gorilla/websocket"
)

// rtClient is the generator's real-time connection: a small client of the
// protocol in docs/PROTOCOL.md, written from that document. It keeps one
// goroutine per connection (the reader), hands every publication to onPub
// on that goroutine, in order, and answers the server's pings.
//
// The generator runs thousands of these on the machine it measures, so the
// client is deliberately lean: no reconnecting (a disconnect is an error
// of the run), no per-event queues, small shared buffers. Its allocations and
// goroutines would otherwise show up as garbage-collection pauses in the
// fan-out it times.
type rtClient struct {
	conn  *websocket.Conn
	json  bool
	onPub func(channel string, data []byte)
	// onFail reports a problem of the connection once it is established;
	// nothing after close is reported.
	onFail func(error)

	wmu sync.Mutex // serializes writes
	enc protocol.CommandEncoder

	nextID  atomic.Uint32
	pmu     sync.Mutex
	pending map[uint32]chan *protocol.Reply

	pong   bool // the server wants an answer to its pings
	closed atomic.Bool
	done   chan struct{} // closed when the reader ends
}

// rtDialer is shared by all connections; its write buffers come from one pool.
var rtDialer = &websocket.Dialer{
	Proxy:            http.ProxyFromEnvironment,
	HandshakeTimeout: 30 * time.Second,
	ReadBufferSize:   2048,
	WriteBufferSize:  2048,
	WriteBufferPool:  &sync.Pool{},
}

// dialRealtime opens a connection to the real-time endpoint at url and sends
// the connect command with connectData; it returns once connected.
func dialRealtime(ctx context.Context, url string, header http.Header, useJSON bool, connectData []byte,
	onPub func(channel string, data []byte), onFail func(error)) (*rtClient, error) {
	if !useJSON {
		url += "?cf_protocol=protobuf" // docs/PROTOCOL.md
	}
	conn, _, err := rtDialer.DialContext(ctx, url, header)
	if err != nil {
		return nil, err
	}
	c := &rtClient{
		conn: conn, json: useJSON, onPub: onPub, onFail: onFail,
		pending: map[uint32]chan *protocol.Reply{}, done: make(chan struct{}),
	}
	if useJSON {
		c.enc = protocol.NewJSONCommandEncoder()
	} else {
		c.enc = protocol.NewProtobufCommandEncoder()
	}
	go c.read()
	rep, err := c.call(ctx, &protocol.Command{Connect: &protocol.ConnectRequest{Data: connectData, Name: "pama-load"}})
	if err != nil {
		c.close()
		return nil, fmt.Errorf("connect: %w", err)
	}
	if rep.Connect == nil {
		c.close()
		return nil, errors.New("connect: the reply has no connect result")
	}
	c.wmu.Lock()
	c.pong = rep.Connect.Pong
	c.wmu.Unlock()
	return c, nil
}

// subscribe subscribes to channel (recoverable, as the web app does; with
// join and leave pushes when asked) and returns once the server accepted.
func (c *rtClient) subscribe(ctx context.Context, channel string, joinLeave bool) error {
	_, err := c.call(ctx, &protocol.Command{Subscribe: &protocol.SubscribeRequest{Channel: channel, Recoverable: true, JoinLeave: joinLeave}})
	return err
}

func (c *rtClient) unsubscribe(ctx context.Context, channel string) error {
	_, err := c.call(ctx, &protocol.Command{Unsubscribe: &protocol.UnsubscribeRequest{Channel: channel}})
	return err
}

// publish sends data to channel and returns once the server accepted it.
func (c *rtClient) publish(ctx context.Context, channel string, data []byte) error {
	_, err := c.call(ctx, &protocol.Command{Publish: &protocol.PublishRequest{Channel: channel, Data: data}})
	return err
}

// close closes the connection; the reader then ends.
func (c *rtClient) close() {
	if c.closed.CompareAndSwap(false, true) {
		c.wmu.Lock()
		c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		c.wmu.Unlock()
		c.conn.Close()
	}
	<-c.done
}

// call sends cmd with a fresh id and waits for its reply, at most 10 seconds.
func (c *rtClient) call(ctx context.Context, cmd *protocol.Command) (*protocol.Reply, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd.Id = c.nextID.Add(1)
	ch := make(chan *protocol.Reply, 1)
	c.pmu.Lock()
	if c.pending == nil {
		c.pmu.Unlock()
		return nil, errors.New("connection closed")
	}
	c.pending[cmd.Id] = ch
	c.pmu.Unlock()
	defer func() {
		c.pmu.Lock()
		if c.pending != nil {
			delete(c.pending, cmd.Id)
		}
		c.pmu.Unlock()
	}()
	if err := c.write(cmd); err != nil {
		return nil, err
	}
	select {
	case rep, ok := <-ch:
		if !ok {
			return nil, errors.New("connection closed")
		}
		if rep.Error != nil {
			return nil, fmt.Errorf("error %d: %s", rep.Error.Code, rep.Error.Message)
		}
		return rep, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *rtClient) write(cmd *protocol.Command) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	data, err := c.enc.Encode(cmd)
	if err != nil {
		return err
	}
	return c.writeFrame(data)
}

// writeFrame writes one frame; the caller holds wmu.
func (c *rtClient) writeFrame(data []byte) error {
	kind := websocket.BinaryMessage
	if c.json {
		kind = websocket.TextMessage
	}
	c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.conn.WriteMessage(kind, data)
}

// read reads frames until the connection ends. A frame may hold several
// replies; a reply with an id answers a command, one without is a push or,
// empty, a ping.
func (c *rtClient) read() {
	defer close(c.done)
	defer func() {
		c.pmu.Lock()
		for _, ch := range c.pending {
			close(ch)
		}
		c.pending = nil
		c.pmu.Unlock()
	}()
	var (
		buf []byte
		dec protocol.ReplyDecoder
	)
	if c.json {
		dec = protocol.NewJSONReplyDecoder(nil)
	} else {
		dec = protocol.NewProtobufReplyDecoder(nil)
	}
	for {
		_, r, err := c.conn.NextReader()
		if err == nil {
			buf, err = readAll(r, buf[:0])
		}
		if err != nil {
			if !c.closed.Load() {
				c.onFail(fmt.Errorf("connection lost: %w", err))
			}
			return
		}
		dec.Reset(buf)
		for {
			rep, err := dec.Decode()
			if err == io.EOF {
				break
			}
			if err != nil {
				c.onFail(fmt.Errorf("undecodable frame: %w", err))
				break
			}
			c.handle(rep)
		}
	}
}

func (c *rtClient) handle(rep *protocol.Reply) {
	if rep.Id != 0 {
		c.pmu.Lock()
		ch := c.pending[rep.Id]
		c.pmu.Unlock()
		if ch != nil {
			ch <- rep
		}
		return
	}
	p := rep.Push
	switch {
	case p == nil: // a ping
		c.wmu.Lock()
		if c.pong {
			data, err := c.enc.Encode(&protocol.Command{}) // the pong is an empty command
			if err == nil {
				err = c.writeFrame(data)
			}
			if err != nil && !c.closed.Load() {
				c.onFail(fmt.Errorf("pong: %w", err))
			}
		}
		c.wmu.Unlock()
	case p.Pub != nil:
		c.onPub(p.Channel, p.Pub.Data)
	case p.Unsubscribe != nil:
		if !c.closed.Load() {
			c.onFail(fmt.Errorf("unsubscribed from %s: %d %s", p.Channel, p.Unsubscribe.Code, p.Unsubscribe.Reason))
		}
	case p.Disconnect != nil:
		if !c.closed.Load() {
			c.onFail(fmt.Errorf("disconnected: %d %s", p.Disconnect.Code, p.Disconnect.Reason))
		}
	}
}

// readAll reads r into buf, reusing its memory.
func readAll(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
