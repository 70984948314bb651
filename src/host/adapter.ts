// What the panel needs from a host, whichever bridge reaches it (CEP evalScript or UXP).
// Every method resolves to the host-script envelope; none rejects.
import type { HostResult, Ping, Placed, PlaceRequest, Reverted, RevertRequest, Selection } from './contract.js';

export interface HostAdapter {
  ping(): Promise<HostResult<Ping>>;
  getSelection(): Promise<HostResult<Selection>>;
  placeRefined(request: PlaceRequest): Promise<HostResult<Placed>>;
  revert(request: RevertRequest): Promise<HostResult<Reverted>>;
}

export function fail<T>(code: Extract<HostResult<T>, { ok: false }>['error']['code'], message: string): HostResult<T> {
  return { ok: false, error: { code, message } };
}
