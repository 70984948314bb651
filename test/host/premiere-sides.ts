// The two ways the panel reaches Premiere, each over the same simulated project model.
import { existsSync } from 'node:fs';
import { createCepAdapter } from '../../src/host/cep.js';
import { createUxpAdapter, type PremiereModule } from '../../src/host/uxp.js';
import { PremiereScriptHost } from '../host-sim/premiere-extendscript.js';
import { PremiereProject } from '../host-sim/premiere-model.js';
import { createPremiereProModule, type UxpHostState } from '../host-sim/premiere-uxp.js';
import type { PremiereSide } from './premiere-fixture.js';

export const extendScript: PremiereSide = {
  name: 'ExtendScript through CEP',
  open(project) {
    const host = new PremiereScriptHost(project);
    return { adapter: createCepAdapter(host.evalScript), project: () => host.project!, reopen: () => host.saveAndReopen() };
  },
};

export const uxp: PremiereSide = {
  name: 'UXP (premierepro)',
  open(project) {
    const state: UxpHostState = { project, undo: [] };
    const adapter = createUxpAdapter({
      premierepro: createPremiereProModule(state) as unknown as PremiereModule,
      version: '25.6.0',
      fileExists: async (path) => existsSync(path),
    });
    return {
      adapter,
      project: () => state.project!,
      reopen: () => {
        if (state.project) state.project = PremiereProject.open(state.project.save(), state.project.media);
      },
    };
  },
};

export const PREMIERE_SIDES: PremiereSide[] = [extendScript, uxp];
