"""pip install ./python --no-build-isolation: the `skinq` package against the CMake-built shared libskinq.

Build the library first (scripts/build.sh build, or set SKINQ_BUILD_DIR to another CMake build
folder). The extension links the shared libskinq of that folder and a copy of it
(libskinq.so.MAJOR) goes into the package beside the module, found through an $ORIGIN rpath, so
the installed package does not depend on the build folder. Its own dependencies (libjpeg, OpenCV,
...) are the system's, as for the CLI. No network: Debian's setuptools, numpy at run time only.
"""
import glob
import os
import shutil

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
BUILD = os.path.abspath(os.environ.get("SKINQ_BUILD_DIR", os.path.join(SOURCE, "build")))


def shared_lib():
    found = sorted(glob.glob(os.path.join(BUILD, "libskinq.so.[0-9]")))
    if not found:
        raise SystemExit(f"skinq: no shared libskinq in {BUILD}: run 'bash scripts/build.sh build' in {SOURCE} "
                         "first (or set SKINQ_BUILD_DIR to a CMake build folder of skinq)")
    return found[0]


class BuildWithLib(build_ext):
    """Builds the module, then puts libskinq.so.MAJOR beside it."""

    def run(self):
        lib = shared_lib()
        super().run()
        dest = os.path.join(self.build_lib, "skinq")
        os.makedirs(dest, exist_ok=True)
        shutil.copy2(lib, os.path.join(dest, os.path.basename(lib)))
        if self.inplace:
            shutil.copy2(lib, os.path.join(HERE, "skinq", os.path.basename(lib)))


setup(
    name="skinq",
    version="0.1.0",
    description="skin photographs in, trustworthy numbers out (libskinq's Python binding)",
    packages=["skinq"],
    python_requires=">=3.9",
    install_requires=["numpy"],
    extras_require={"pandas": ["pandas"]},
    ext_modules=[Extension("skinq._skinq", ["skinq/_skinq.c"], include_dirs=[os.path.join(SOURCE, "lib", "include")],
                           library_dirs=[BUILD], libraries=["skinq"], runtime_library_dirs=["$ORIGIN"])],
    cmdclass={"build_ext": BuildWithLib},
)
