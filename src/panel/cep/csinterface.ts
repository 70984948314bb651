// The slice of CEP's CSInterface the panel uses, over the `__adobe_cep__` object that every
// CEP host injects (what Adobe's CSInterface.js wraps).
import type { AppSkin } from '../theme.js';

export interface AdobeCep {
  evalScript(script: string, callback: (result: string) => void): void;
  getHostEnvironment(): string;
  getSystemPath(kind: string): string;
  addEventListener(type: string, listener: (event: unknown) => void): void;
}

export interface HostEnvironment {
  appName: string;
  appVersion: string;
  appSkinInfo: AppSkin;
}

export class CSInterface {
  constructor(private readonly cep: AdobeCep) {}

  evalScript(script: string, callback: (result: string) => void): void {
    this.cep.evalScript(script, callback);
  }

  hostEnvironment(): HostEnvironment {
    return JSON.parse(this.cep.getHostEnvironment()) as HostEnvironment;
  }

  /** The extension's own folder, as a path ExtendScript's File accepts. */
  extensionPath(): string {
    return decodeURI(this.cep.getSystemPath('extension').replace(/^file:\/\//, ''));
  }

  onThemeChange(listener: () => void): void {
    this.cep.addEventListener('com.adobe.csxs.events.ThemeColorChanged', listener);
  }
}
