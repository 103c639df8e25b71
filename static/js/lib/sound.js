/* A short attention tone (Web Audio, no sound file to load). A PC without an audio device, or a browser that has
 * not been interacted with yet (autoplay policy), stays silent: the screen still shows what happened. */
let audio = null;

export function tone({ frequency = 880, seconds = 0.5, volume = 0.15 } = {}) {
  try {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    if (audio.state === "suspended") audio.resume();
    const osc = audio.createOscillator(), gain = audio.createGain();
    osc.type = "square";
    osc.frequency.value = frequency;
    gain.gain.setValueAtTime(volume, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + seconds);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + seconds);
  } catch (e) { /* no audio: the flag in the list still shows */ }
}
