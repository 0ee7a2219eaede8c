// Babel plugin for jest only: ESM files that declare their own `require` (createRequire(import.meta.url)) would
// clash with the `require` calls the CommonJS transform adds, so their binding gets another name first.
module.exports = function renameEsmRequire() {
  return {
    visitor: {
      Program(path) {
        if (path.scope.hasOwnBinding('require')) {
          path.scope.rename('require', '_esmRequire');
        }
      },
    },
  };
};
