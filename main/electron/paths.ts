import path from 'node:path';

/**
 * Where the shell's files are, relative to the app folder (`app.getAppPath()`:
 * the project root when run from source, `resources/app.asar` when packaged).
 */

export interface AppPaths {
  /** The bundled, sandbox-ready preload (build-preload.mjs). */
  preload: string;
  /** The page's folder, served as app://renderer/ (renderer-protocol.ts). */
  rendererDir: string;
  trayIconDir: string;
  windowIcon: string;
}

export function appPaths(appRoot: string): AppPaths {
  return {
    preload: path.join(appRoot, 'dist', 'preload.cjs'),
    rendererDir: path.join(appRoot, 'dist', 'renderer'),
    // Icons are unpacked from the asar (electron-builder.yml `asarUnpack`): the OS tray hosts read
    // them by path, and image loading from inside an asar has been unreliable on Windows.
    trayIconDir: unpacked(path.join(appRoot, 'assets', 'tray')),
    windowIcon: unpacked(path.join(appRoot, 'assets', 'icons', '256x256.png')),
  };
}

/** The `app.asar.unpacked` twin of a path inside `app.asar`; other paths are returned as they are. */
export function unpacked(file: string): string {
  return file.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}
