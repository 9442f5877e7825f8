/** Camera QR scanning with the Shape Detection API, where the browser has it (Chrome on Android, ChromeOS, macOS). */
interface DetectedBarcode {
  readonly rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<DetectedBarcode[]>;
}
type BarcodeDetectorCtor = new (options: { formats: string[] }) => BarcodeDetectorLike;

export function canScanQr(): boolean {
  return 'BarcodeDetector' in globalThis && navigator.mediaDevices?.getUserMedia !== undefined;
}

/**
 * Shows the rear camera in `video` and resolves with the first QR code's text. The camera is
 * released however it ends; `signal` aborts the scan.
 */
export async function scanQr(video: HTMLVideoElement, signal: AbortSignal): Promise<string> {
  const Detector = (globalThis as unknown as { BarcodeDetector: BarcodeDetectorCtor }).BarcodeDetector;
  const detector = new Detector({ formats: ['qr_code'] });
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  try {
    video.srcObject = stream;
    await video.play();
    while (!signal.aborted) {
      const codes = await detector.detect(video).catch(() => []);
      const text = codes.find((c) => c.rawValue !== '')?.rawValue;
      if (text !== undefined) return text;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new DOMException('scan cancelled', 'AbortError');
  } finally {
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  }
}
