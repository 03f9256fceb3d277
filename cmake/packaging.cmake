# Installation beyond the binary (src/cli installs that) and the Debian package CPack builds from
# it: `make package` (or `cpack -G DEB` in a build tree) writes build/keysweep_VERSION_ARCH.deb.
include(GNUInstallDirs)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} FILES_MATCHING PATTERN "*.md")
# The demo tree: FAKE credentials of each provider's shape, so `keysweep scan
# /usr/share/keysweep/examples` shows what a finding looks like right after installing.
install(DIRECTORY examples/ DESTINATION ${CMAKE_INSTALL_DATADIR}/keysweep/examples)

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "keysweep")
set(CPACK_PACKAGE_VENDOR "keysweep")
set(CPACK_PACKAGE_CONTACT "keysweep maintainers <keysweep@example.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "find hardcoded credentials in apps, source trees and git history")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_INSTALL_DIRECTORY "keysweep")
# Installed under /usr, as a distribution package is.
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # keysweep_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION "devel")
# Depends: computed from the binary's shared libraries by dpkg-shlibdeps, so the package names
# exactly the libraries (and versions) this build links, not a hand-kept list that drifts.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# git for `hook install` and the hook; libcurl (--verify) and libpq (PostgreSQL datastore) are
# opened with dlopen when used (src/io/shared_library.h), so dpkg-shlibdeps cannot see them.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "git, libcurl4, libpq5")
set(CPACK_STRIP_FILES ON)  # the dev preset carries debug info; a package need not
# Packages land in build/, beside the build trees, whichever tree made them.
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_SOURCE_DIR}/build")
include(CPack)
