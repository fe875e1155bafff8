// Command fanout runs WebRTC peers that publish a pre-encoded VP8 stream or
// subscribe and only count RTP packets, for measuring how many subscribers
// one ion-sfu serves without the cost of decoding (browsers decoding on the
// same cores run out long before ion-sfu does).
//
// It signals either through room-server (-signal room: room.join,
// stream.publish, then ion-sfu's join/offer/answer/trickle relayed) or to bare
// ion-sfu (-signal ion: ion-sfu's JSON-RPC with sid/uid). Commands arrive as
// JSON lines on stdin; every reply is one JSON line on stdout:
//
//	{"op":"publish","userId":"pub","userSig":"…","ivf":"/tmp/720p.ivf","fps":30}
//	{"op":"subscribe","userId":"s1","userSig":"…"}
//	{"op":"stats"}   → packets, expected, lost, bytes since the previous stats
//	{"op":"quit"}
//
// Written for the benchmark only (e2e/bench/fanout.ts builds and drives it);
// it is a measuring instrument, not part of the product.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
)

var (
	signalKind = flag.String("signal", "room", "room (through room-server) or ion (bare ion-sfu)")
	url        = flag.String("url", "", "signaling WebSocket URL")
	roomID     = flag.Int("room", 1, "room id (room-server) or session id suffix (ion-sfu)")
	sdkAppID   = flag.Int("sdk-app-id", 0, "sdkAppId for room.join")
	timeout    = flag.Duration("timeout", 20*time.Second, "per-request timeout")
)

// command is one line of stdin.
type command struct {
	Op      string `json:"op"`
	UserID  string `json:"userId"`
	UserSig string `json:"userSig"`
	IVF     string `json:"ivf"`
	FPS     int    `json:"fps"`
}

// counters are shared by every subscriber; stats reads and resets the window ones.
type counters struct {
	packets    atomic.Int64
	expected   atomic.Int64
	bytes      atomic.Int64
	duplicates atomic.Int64
	tracks     atomic.Int64
	connected  atomic.Int64
	failed     atomic.Int64
}

var total counters

func main() {
	flag.Parse()
	log.SetOutput(os.Stderr)
	api := newAPI()
	out := json.NewEncoder(os.Stdout)
	var outMu sync.Mutex
	reply := func(v any) {
		outMu.Lock()
		defer outMu.Unlock()
		_ = out.Encode(v)
	}
	var peers []*peer
	var peersMu sync.Mutex
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		var cmd command
		if err := json.Unmarshal(in.Bytes(), &cmd); err != nil {
			reply(map[string]any{"error": err.Error()})
			continue
		}
		switch cmd.Op {
		case "publish", "subscribe":
			// Peers connect in the background: the driver adds many at once and polls stats.
			go func(cmd command) {
				started := time.Now()
				p, err := connect(api, cmd)
				if err != nil {
					total.failed.Add(1)
					reply(map[string]any{"op": cmd.Op, "userId": cmd.UserID, "error": err.Error()})
					return
				}
				peersMu.Lock()
				peers = append(peers, p)
				peersMu.Unlock()
				reply(map[string]any{"op": cmd.Op, "userId": cmd.UserID, "ok": true, "signalMs": time.Since(started).Milliseconds()})
			}(cmd)
		case "stats":
			reply(map[string]any{
				"op":         "stats",
				"packets":    total.packets.Swap(0),
				"expected":   total.expected.Swap(0),
				"bytes":      total.bytes.Swap(0),
				"duplicates": total.duplicates.Swap(0),
				"tracks":     total.tracks.Load(),
				"connected":  total.connected.Load(),
				"failed":     total.failed.Load(),
			})
		case "quit":
			peersMu.Lock()
			for _, p := range peers {
				p.close()
			}
			peersMu.Unlock()
			reply(map[string]any{"op": "quit", "ok": true})
			return
		default:
			reply(map[string]any{"error": "unknown op " + cmd.Op})
		}
	}
}

func newAPI() *webrtc.API {
	m := &webrtc.MediaEngine{}
	// VP8 only, as ngx-trtc publishes (ion-sdk-js's codec preference). Offering H264
	// too would make ion-sfu's publisher (pion v3.1.7) answer H264 only: it compares
	// MIME types case-sensitively for codecs without an H264-style fmtp, so "video/VP8"
	// is only a partial match for its "video/vp8", and partial matches are dropped
	// whenever any exact match (an H264 profile) exists.
	videoFeedback := []webrtc.RTCPFeedback{{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"}, {Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "transport-cc"}}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: videoFeedback},
		PayloadType:        96,
	}, webrtc.RTPCodecTypeVideo); err != nil {
		log.Fatal(err)
	}
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"},
		PayloadType:        111,
	}, webrtc.RTPCodecTypeAudio); err != nil {
		log.Fatal(err)
	}
	registry := &interceptor.Registry{}
	// NACKs, receiver/sender reports and TWCC feedback, as a browser sends them:
	// ion-sfu's congestion control and retransmission see a real receiver.
	if err := webrtc.RegisterDefaultInterceptors(m, registry); err != nil {
		log.Fatal(err)
	}
	settings := webrtc.SettingEngine{}
	settings.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(registry), webrtc.WithSettingEngine(settings))
}

// peer is one signaling connection with ion-sfu's two peer connections.
type peer struct {
	ws      *websocket.Conn
	writeMu sync.Mutex
	nextID  atomic.Int64
	pending sync.Map // id → chan rpcFrame
	pub     *webrtc.PeerConnection
	sub     *webrtc.PeerConnection
	subMu   sync.Mutex
	// Candidates that arrive before the remote description is set.
	queued [2][]webrtc.ICECandidateInit
	ready  [2]bool
	done   chan struct{}
	once   sync.Once
}

type rpcFrame struct {
	ID     *int64          `json:"id,omitempty"`
	Method string          `json:"method,omitempty"`
	Params json.RawMessage `json:"params,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

func (p *peer) send(v any) error {
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	_ = p.ws.SetWriteDeadline(time.Now().Add(*timeout))
	return p.ws.WriteJSON(v)
}

func (p *peer) request(method string, params any) (json.RawMessage, error) {
	id := p.nextID.Add(1)
	ch := make(chan rpcFrame, 1)
	p.pending.Store(id, ch)
	defer p.pending.Delete(id)
	if err := p.send(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params}); err != nil {
		return nil, err
	}
	select {
	case f := <-ch:
		if f.Error != nil {
			return nil, fmt.Errorf("%s: %d %s", method, f.Error.Code, f.Error.Message)
		}
		return f.Result, nil
	case <-time.After(*timeout):
		return nil, fmt.Errorf("%s: no answer in %s", method, *timeout)
	case <-p.done:
		return nil, fmt.Errorf("%s: connection closed", method)
	}
}

func (p *peer) notify(method string, params any) {
	_ = p.send(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
}

func (p *peer) close() {
	p.once.Do(func() {
		close(p.done)
		if p.pub != nil {
			_ = p.pub.Close()
		}
		if p.sub != nil {
			_ = p.sub.Close()
		}
		_ = p.ws.Close()
	})
}

// candidateJSON drops null members: room-server's schema is strict about shapes.
func candidateJSON(c webrtc.ICECandidateInit) map[string]any {
	m := map[string]any{"candidate": c.Candidate}
	if c.SDPMid != nil {
		m["sdpMid"] = *c.SDPMid
	}
	if c.SDPMLineIndex != nil {
		m["sdpMLineIndex"] = *c.SDPMLineIndex
	}
	return m
}

func (p *peer) addCandidate(target int, c webrtc.ICECandidateInit) {
	p.subMu.Lock()
	defer p.subMu.Unlock()
	pc := p.pub
	if target == 1 {
		pc = p.sub
	}
	if !p.ready[target] {
		p.queued[target] = append(p.queued[target], c)
		return
	}
	_ = pc.AddICECandidate(c)
}

func (p *peer) remoteSet(target int) {
	p.subMu.Lock()
	defer p.subMu.Unlock()
	pc := p.pub
	if target == 1 {
		pc = p.sub
	}
	p.ready[target] = true
	for _, c := range p.queued[target] {
		_ = pc.AddICECandidate(c)
	}
	p.queued[target] = nil
}

func (p *peer) readLoop() {
	defer p.close()
	for {
		var f rpcFrame
		if err := p.ws.ReadJSON(&f); err != nil {
			return
		}
		if f.Method == "" && f.ID != nil {
			if ch, ok := p.pending.Load(*f.ID); ok {
				ch.(chan rpcFrame) <- f
			}
			continue
		}
		switch f.Method {
		case "offer":
			var desc webrtc.SessionDescription
			if *signalKind == "room" {
				var wrapped struct {
					Desc webrtc.SessionDescription `json:"desc"`
				}
				_ = json.Unmarshal(f.Params, &wrapped)
				desc = wrapped.Desc
			} else {
				_ = json.Unmarshal(f.Params, &desc)
			}
			go p.answerSubscriber(desc)
		case "trickle":
			var t struct {
				Target    int                     `json:"target"`
				Candidate webrtc.ICECandidateInit `json:"candidate"`
			}
			if json.Unmarshal(f.Params, &t) == nil && (t.Target == 0 || t.Target == 1) {
				p.addCandidate(t.Target, t.Candidate)
			}
		}
	}
}

func (p *peer) answerSubscriber(offer webrtc.SessionDescription) {
	// One renegotiation at a time: ion-sfu sends a new offer for every track added.
	p.subMu.Lock()
	p.ready[1] = false
	p.subMu.Unlock()
	if err := p.sub.SetRemoteDescription(offer); err != nil {
		log.Printf("subscriber remote description: %v", err)
		return
	}
	p.remoteSet(1)
	answer, err := p.sub.CreateAnswer(nil)
	if err != nil {
		log.Printf("subscriber answer: %v", err)
		return
	}
	if err := p.sub.SetLocalDescription(answer); err != nil {
		log.Printf("subscriber local description: %v", err)
		return
	}
	p.notify("answer", map[string]any{"desc": answer})
}

func connect(api *webrtc.API, cmd command) (*peer, error) {
	ws, _, err := websocket.DefaultDialer.Dial(*url, nil)
	if err != nil {
		return nil, err
	}
	p := &peer{ws: ws, done: make(chan struct{})}
	go p.readLoop()
	fail := func(err error) (*peer, error) {
		p.close()
		return nil, err
	}
	if p.pub, err = api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		return fail(err)
	}
	if p.sub, err = api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		return fail(err)
	}
	for target, pc := range []*webrtc.PeerConnection{p.pub, p.sub} {
		target := target
		pc.OnICECandidate(func(c *webrtc.ICECandidate) {
			if c != nil {
				p.notify("trickle", map[string]any{"target": target, "candidate": candidateJSON(c.ToJSON())})
			}
		})
	}
	p.sub.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		switch s {
		case webrtc.PeerConnectionStateConnected:
			total.connected.Add(1)
		case webrtc.PeerConnectionStateFailed:
			total.connected.Add(-1)
		}
	})
	p.sub.OnTrack(func(track *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		if track.Kind() == webrtc.RTPCodecTypeVideo {
			go countPackets(track)
		}
	})
	// ion-sdk-js's publisher always carries this channel, so its offer is never empty.
	if _, err := p.pub.CreateDataChannel("ion-sfu", nil); err != nil {
		return fail(err)
	}
	streamID := fmt.Sprintf("fanout-%s", cmd.UserID)
	var track *webrtc.TrackLocalStaticSample
	if cmd.Op == "publish" {
		track, err = webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "video", streamID)
		if err != nil {
			return fail(err)
		}
		sender, err := p.pub.AddTrack(track)
		if err != nil {
			return fail(err)
		}
		go func() {
			// RTCP must be read for the interceptors (NACK responder, TWCC) to run.
			buf := make([]byte, 1500)
			for {
				if _, _, err := sender.Read(buf); err != nil {
					return
				}
			}
		}()
	}
	if *signalKind == "room" {
		if _, err := p.request("room.join", map[string]any{
			"sdkAppId": *sdkAppID, "userId": cmd.UserID, "userSig": cmd.UserSig, "roomId": *roomID, "mode": "rtc",
		}); err != nil {
			return fail(err)
		}
		if cmd.Op == "publish" {
			if _, err := p.request("stream.publish", map[string]any{
				"streamId": streamID, "type": "main", "hasAudio": false, "hasVideo": true,
			}); err != nil {
				return fail(err)
			}
		}
	}
	offer, err := p.pub.CreateOffer(nil)
	if err != nil {
		return fail(err)
	}
	if err := p.pub.SetLocalDescription(offer); err != nil {
		return fail(err)
	}
	params := map[string]any{"offer": offer}
	if *signalKind == "ion" {
		params["sid"] = fmt.Sprintf("fanout-%d", *roomID)
		params["uid"] = cmd.UserID
	}
	raw, err := p.request("join", params)
	if err != nil {
		return fail(err)
	}
	var answer webrtc.SessionDescription
	if err := json.Unmarshal(raw, &answer); err != nil {
		return fail(err)
	}
	if err := p.pub.SetRemoteDescription(answer); err != nil {
		if os.Getenv("FANOUT_DEBUG") != "" {
			log.Printf("offer:\n%s\nanswer:\n%s", offer.SDP, answer.SDP)
		}
		return fail(err)
	}
	p.remoteSet(0)
	if cmd.Op == "publish" {
		go publishIVF(p, track, cmd.IVF, cmd.FPS)
	}
	return p, nil
}

// publishIVF sends the file's frames at fps, from the start again at its end.
func publishIVF(p *peer, track *webrtc.TrackLocalStaticSample, path string, fps int) {
	if fps <= 0 {
		fps = 30
	}
	frameDuration := time.Second / time.Duration(fps)
	ticker := time.NewTicker(frameDuration)
	defer ticker.Stop()
	for {
		file, err := os.Open(path)
		if err != nil {
			log.Printf("ivf: %v", err)
			return
		}
		reader, _, err := ivfreader.NewWith(file)
		if err != nil {
			log.Printf("ivf: %v", err)
			file.Close()
			return
		}
		for {
			frame, _, err := reader.ParseNextFrame()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				log.Printf("ivf: %v", err)
				break
			}
			select {
			case <-p.done:
				file.Close()
				return
			case <-ticker.C:
			}
			if err := track.WriteSample(media.Sample{Data: frame, Duration: frameDuration}); err != nil {
				file.Close()
				return
			}
		}
		file.Close()
	}
}

// countPackets reads a track's RTP until it ends, counting packets, bytes,
// the sequence range they cover (expected) and repeats (retransmissions
// of packets already received).
func countPackets(track *webrtc.TrackRemote) {
	total.tracks.Add(1)
	defer total.tracks.Add(-1)
	buf := make([]byte, 1600)
	var header rtp.Header
	var seen [1 << 12]uint32 // extended seq + 1 of the last packet in each slot (0 = empty)
	var highest int64 = -1
	for {
		n, _, err := track.Read(buf)
		if err != nil {
			return
		}
		if _, err := header.Unmarshal(buf[:n]); err != nil {
			continue
		}
		// Extend the 16-bit sequence number: the signed distance to the highest seen
		// handles wrap-around and late (reordered or retransmitted) packets alike.
		ext := int64(header.SequenceNumber)
		if highest >= 0 {
			ext = highest + int64(int16(header.SequenceNumber-uint16(highest)))
		}
		slot := ext & (1<<12 - 1)
		if seen[slot] == uint32(ext+1) {
			total.duplicates.Add(1)
			continue
		}
		seen[slot] = uint32(ext + 1)
		total.packets.Add(1)
		total.bytes.Add(int64(n))
		if highest < 0 {
			highest = ext
			total.expected.Add(1)
		} else if ext > highest {
			total.expected.Add(ext - highest)
			highest = ext
		}
	}
}
