// Audio the browser decodes: formats and rates the engine does not read
// (MP3, OGG, WAV at 44.1 kHz, …) and microphone recordings, all turned into
// 16 kHz mono Float32Arrays. Web Audio exists only on the page's thread;
// decoding there is asynchronous, so the page does not block.

export const RATE = 16000;

// browserDecode decodes an encoded file with the browser's decoders,
// resampled to 16 kHz by decoding in a 16 kHz context, channels averaged
// as the engine averages them.
export async function browserDecode(buffer) {
  const ctx = new OfflineAudioContext(1, 1, RATE);
  const decoded = await ctx.decodeAudioData(buffer);
  const out = new Float32Array(decoded.length);
  for (let c = 0; c < decoded.numberOfChannels; c++) {
    const ch = decoded.getChannelData(c);
    for (let i = 0; i < out.length; i++) out[i] += ch[i] / decoded.numberOfChannels;
  }
  return out;
}

// Recorder records the microphone until stop() and returns the samples.
export class Recorder {
  async start() {
    if (!navigator.mediaDevices?.getUserMedia) throw new Error('this browser cannot record (the page must be served over https or from localhost)');
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({audio: {channelCount: 1}});
    } catch (e) {
      const why = {NotAllowedError: 'microphone access was denied', NotFoundError: 'no microphone was found'}[e.name];
      throw new Error(why || `the microphone could not start: ${e.message}`);
    }
    this.chunks = [];
    this.media = new MediaRecorder(this.stream);
    this.media.ondataavailable = e => this.chunks.push(e.data);
    this.media.start();
  }

  async stop() {
    const done = new Promise(resolve => { this.media.onstop = resolve; });
    this.media.stop();
    await done;
    this.stream.getTracks().forEach(t => t.stop());
    const blob = new Blob(this.chunks, {type: this.media.mimeType});
    return browserDecode(await blob.arrayBuffer());
  }
}
