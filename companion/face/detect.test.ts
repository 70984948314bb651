// The shipped detector (BlazeFace + FaceMesh from @vladmandic/human) on a real photograph.
import { describe, expect, it } from 'vitest';
import { ASTRONAUT, ASTRONAUT_FACE, readImage } from '../../test/support/faces.js';
import { createDetector } from './detect.js';

describe('face detection (real weights)', () => {
  it("finds the astronaut's face and puts eyes, nose and mouth corners where they are", async () => {
    const detector = await createDetector();
    const faces = await detector.detect(await readImage(ASTRONAUT));
    expect(faces).toHaveLength(1);
    const [eyeL, eyeR, nose, mouthL, mouthR] = faces[0]!.landmarks;
    const near = (p: { x: number; y: number }, q: { x: number; y: number }, px: number) => expect(Math.hypot(p.x - q.x, p.y - q.y)).toBeLessThan(px);
    near(eyeL, ASTRONAUT_FACE.leftEye, 5);
    near(eyeR, ASTRONAUT_FACE.rightEye, 5);
    near(nose, ASTRONAUT_FACE.nose, 5);
    near(mouthL, ASTRONAUT_FACE.mouthLeft, 5);
    near(mouthR, ASTRONAUT_FACE.mouthRight, 5);
    const box = faces[0]!.box;
    expect(box.x).toBeLessThan(eyeL.x);
    expect(box.x + box.width).toBeGreaterThan(eyeR.x);
  });

  it('finds the landmarks of a face rolled by 34 degrees', async () => {
    const detector = await createDetector();
    const angle = 0.6;
    // ffmpeg's rotate turns the picture clockwise about its centre.
    const turned = (p: { x: number; y: number }) => {
      const [x, y] = [p.x - 256, p.y - 256];
      return { x: Math.cos(angle) * x - Math.sin(angle) * y + 256, y: Math.sin(angle) * x + Math.cos(angle) * y + 256 };
    };
    const faces = await detector.detect(await readImage(ASTRONAUT, undefined, `rotate=${angle}:fillcolor=gray`));
    expect(faces).toHaveLength(1);
    const truth = [ASTRONAUT_FACE.leftEye, ASTRONAUT_FACE.rightEye, ASTRONAUT_FACE.nose, ASTRONAUT_FACE.mouthLeft, ASTRONAUT_FACE.mouthRight].map(turned);
    faces[0]!.landmarks.forEach((p, i) => expect(Math.hypot(p.x - truth[i]!.x, p.y - truth[i]!.y)).toBeLessThan(5));
  });

  it('finds her at the same place in a 1080p frame, and nothing in a frame without a face', async () => {
    const detector = await createDetector();
    const big = await readImage(ASTRONAUT, { width: 1080, height: 1080 });
    const faces = await detector.detect(big);
    expect(faces).toHaveLength(1);
    const k = 1080 / 512;
    expect(Math.hypot(faces[0]!.landmarks[0].x / k - ASTRONAUT_FACE.leftEye.x, faces[0]!.landmarks[0].y / k - ASTRONAUT_FACE.leftEye.y)).toBeLessThan(5);
    const grey = { width: 640, height: 360, data: new Uint16Array(640 * 360 * 3).fill(30000) };
    expect(await detector.detect(grey)).toHaveLength(0);
  });
});
