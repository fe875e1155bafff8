/**
 * An egress worker process, forked by room-server's EgressManager (one per
 * egress): receives the room's streams over WebRTC as a hidden session of
 * room-server, composes and mixes them, and has ffmpeg encode and write
 * them out. Talks to room-server only over the IPC channel; exits 0 after a
 * requested stop, non-zero on failure (room-server then restarts it).
 */
import type { FromWorker, ToWorker, WorkerJob } from '../ipc.js';
import { isToWorker } from '../ipc.js';
import { CpuMeter } from './cpu.js';
import { IpcSignal } from './ipc-signal.js';
import { MediaReceiver } from './media-receiver.js';
import { EgressPipeline } from './pipeline.js';
import { loadWrtc } from './wrtc.js';

const send = (message: FromWorker): void => {
  if (process.connected) process.send?.(message);
};

let pipeline: EgressPipeline | undefined;
let receiver: MediaReceiver | undefined;
let statusTimer: NodeJS.Timeout | undefined;
let isStopping = false;
const signal = new IpcSignal((frame) => send({ type: 'rpc', frame }));

function fail(error: string): void {
  if (isStopping) return;
  isStopping = true;
  send({ type: 'fatal', error });
  clearInterval(statusTimer);
  receiver?.close();
  // The outputs still get to finish what they have, so the file so far stays whole.
  void (pipeline?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
}

async function start(job: WorkerJob): Promise<void> {
  const wrtc = loadWrtc();
  const p = new EgressPipeline(job, {
    started: (at) => send({ type: 'started', at }),
    firstMedia: (streamId, at) => send({ type: 'first-media', streamId, at }),
    outputStarted: (id) => send({ type: 'output-started', id }),
    outputFailed: (id, error) => send({ type: 'output-failed', id, error }),
    fatal: fail,
  });
  pipeline = p;
  const r = new MediaReceiver(wrtc, signal, {
    onVideo: (id, frame) => p.onVideo(id, frame),
    onAudio: (id, chunk) => p.onAudio(id, chunk),
    onFailed: fail,
  });
  receiver = r;
  r.setWanted(p.wantedStreams);
  p.start();
  const cpu = new CpuMeter();
  statusTimer = setInterval(() => {
    const pids = p.pids();
    const usage = cpu.sample(pids);
    send({ type: 'status', stats: { ...p.stats(), workerCpuPercent: usage.self, ffmpegCpuPercent: usage.children }, pids });
  }, 1000);
  await r.join();
}

async function stop(): Promise<void> {
  if (isStopping) return;
  isStopping = true;
  clearInterval(statusTimer);
  receiver?.close();
  await pipeline?.stop();
  signal.close();
  process.exit(0);
}

function onMessage(message: ToWorker): void {
  switch (message.type) {
    case 'start':
      start(message.job).catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
      break;
    case 'rpc':
      signal.receive(message.frame);
      break;
    case 'layout':
      pipeline?.setLayout(message.layout);
      if (pipeline) receiver?.setWanted(pipeline.wantedStreams);
      break;
    case 'outputs':
      pipeline?.setOutputs(message.outputs);
      break;
    case 'stop':
      void stop();
      break;
  }
}

process.on('message', (message: unknown) => {
  if (isToWorker(message)) onMessage(message);
});
// room-server went away (crash, kill): finish the files and go, rather than record for no one.
process.on('disconnect', () => void stop());
process.on('SIGTERM', () => void stop());
process.on('uncaughtException', (err) => fail(`worker crashed: ${err.stack ?? err.message}`));
process.on('unhandledRejection', (reason) => fail(`worker crashed: ${String(reason)}`));
