# The Debian package (`cpack -G DEB`, meson-free-scripts/package.sh): exactly what
# `cmake --install` puts under the prefix, which the package script sets to /usr. Depends come
# from the installed ELF files (dpkg-shlibdeps), plus what is loaded without being linked.
set(CPACK_PACKAGE_NAME ditstream)
set(CPACK_PACKAGE_CONTACT "ditstream developers <ditstream@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "GStreamer source of endless text-to-video streams from diffusion transformers")
set(CPACK_PACKAGE_DESCRIPTION "ditstreamsrc generates an endless video stream from text \
prompts that change live, with DiTCtrl's smooth transitions, on CogVideoX and Wan2.1 models. \
Includes the small shapes-demo model, the ditstream tool, ditstream-control and the \
libditstream-1.0 library for apps.")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION video)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_INSTALL_PREFIX}/${DITSTREAM_PRIVATE_LIBDIR})
# libtorch reaches BLAS through libblas.so.3 (alternatives); OpenBLAS is ~30x faster than the
# reference BLAS. videoconvert and friends are in plugins-base.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libopenblas0-pthread, gstreamer1.0-plugins-base")
# gst-launch-1.0, the encoders and muxers of the README's pipelines (x264enc, mp4mux), and ICE
# for the web page's WebRTC preview.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "gstreamer1.0-tools, gstreamer1.0-plugins-good, \
gstreamer1.0-plugins-ugly, gstreamer1.0-plugins-bad, gstreamer1.0-nice")
include(CPack)
