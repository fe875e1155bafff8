import { layerMessage } from './layer-message';

describe('layerMessage', () => {
  it("builds ion-sfu's setRemoteMedia request with every field its data-channel API reads", () => {
    // ion-sfu decodes exactly these JSON keys; a renamed key would silently subscribe to everything.
    expect(JSON.parse(JSON.stringify(layerMessage('msid-1', 'low', true)))).toEqual({
      streamId: 'msid-1',
      video: 'low',
      audio: true,
      framerate: 'high',
    });
    expect(layerMessage('msid-2', 'none', false)).toEqual({ streamId: 'msid-2', video: 'none', audio: false, framerate: 'high' });
  });
});
