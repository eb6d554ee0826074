/* The widgets in the page's language (issue 16 item 4): select2's messages, and the date
   picker's day and month names through moment's locale, Monday first (the office's
   week). admin_views/page_frame.py serves this file once per language, after a line
   giving `siteWidgets` ({zh: true|false, pickerWords: {...}} from the catalogue); it is
   loaded after moment and select2, before form.js builds the widgets. The date (range)
   picker has its buttons' words from its options only: form.js, which builds every
   picker (a form's dates, the list filters'), gets them added to the options it gives
   (its 'adminFormReady' comes once daterangepicker.js is loaded, before any picker). */
(function (words) {
  var zh = words.zh;
  if (window.moment) {
    moment.locale(zh ? 'zh-cn' : 'en-gb', zh ? {
      months: '一月_二月_三月_四月_五月_六月_七月_八月_九月_十月_十一月_十二月'.split('_'),
      monthsShort: '1月_2月_3月_4月_5月_6月_7月_8月_9月_10月_11月_12月'.split('_'),
      weekdays: '星期日_星期一_星期二_星期三_星期四_星期五_星期六'.split('_'),
      weekdaysShort: '周日_周一_周二_周三_周四_周五_周六'.split('_'),
      weekdaysMin: '日_一_二_三_四_五_六'.split('_'),
      week: {dow: 1, doy: 4}
    } : {week: {dow: 1, doy: 4}});
  }
  if (window.jQuery) {
    var pickerWords = words.pickerWords;
    jQuery(document).one('adminFormReady', function () {
      var picker = jQuery.fn.daterangepicker;
      if (!picker) { return; }
      jQuery.fn.daterangepicker = function (options, callback) {
        var locale = jQuery.extend({}, pickerWords, (options || {}).locale);
        return picker.call(this, jQuery.extend({}, options, {locale: locale}), callback);
      };
    });
  }
  if (zh && window.jQuery && jQuery.fn.select2 && jQuery.fn.select2.defaults) {
    jQuery.extend(jQuery.fn.select2.defaults, {
      formatNoMatches: function () { return '没有找到匹配项'; },
      formatSearching: function () { return '正在查找…'; },
      formatLoadMore: function () { return '正在加载更多结果…'; },
      formatAjaxError: function () { return '查找失败'; },
      formatInputTooShort: function (input, min) { return '请再输入 ' + (min - input.length) + ' 个字符'; },
      formatInputTooLong: function (input, max) { return '请删掉 ' + (input.length - max) + ' 个字符'; },
      formatSelectionTooBig: function (limit) { return '最多只能选择 ' + limit + ' 项'; }
    });
  }
})(window.siteWidgets);
